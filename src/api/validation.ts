// Turns fastify's errors (schema validation, body parsing, size limit) into
// the contract's error body, naming the field at fault.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';
import { sendError } from './errors.js';

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** "/interfaces/0/mac" -> "interfaces[0].mac" */
export function fieldPath(instancePath: string, context?: string): string {
  const parts = instancePath.split('/').filter((p) => p.length > 0).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  if (out === '' && context === 'querystring') return 'query';
  return out;
}

function join(base: string, name: string): string {
  return base === '' || base === 'query' ? name : `${base}.${name}`;
}

export function makeErrorHandler(logger: Logger) {
  return (error: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const issues = error.validation as AjvIssue[] | undefined;
    if (issues && issues.length > 0) {
      const issue = issues[0]!;
      const base = fieldPath(issue.instancePath ?? '', error.validationContext);
      if (issue.keyword === 'additionalProperties') {
        const name = String(issue.params?.additionalProperty ?? '');
        const field = join(base, name);
        return sendError(reply, 400, 'unknown_field', `unknown field ${field}`, field);
      }
      if (issue.keyword === 'required') {
        const field = join(base, String(issue.params?.missingProperty ?? ''));
        return sendError(reply, 400, 'missing_field', `missing field ${field}`, field);
      }
      const field = base === '' ? 'body' : base;
      return sendError(reply, 400, 'invalid_field', `${field} ${issue.message ?? 'is invalid'}`, field);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, 'body_too_large', 'the request body is larger than the limit');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, 'unsupported_media_type', 'the body must be application/json');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'invalid_json', 'the body is empty', 'body');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 400, 'invalid_json', 'the body is not valid JSON', 'body');
      default:
        break;
    }
    // JSON.parse failures from the body parser carry status 400 without a code.
    if (error.statusCode === 400 || error instanceof SyntaxError) {
      return sendError(reply, 400, 'invalid_json', 'the body is not valid JSON', 'body');
    }
    if (error.statusCode === 413) return sendError(reply, 413, 'body_too_large', 'the request body is larger than the limit');
    if (error.statusCode === 415) return sendError(reply, 415, 'unsupported_media_type', 'the body must be application/json');
    logger.error('request failed', { method: req.method, path: req.url, error: String(error), stack: error.stack });
    return sendError(reply, 500, 'internal', 'internal error');
  };
}
