// Turns fastify's errors (schema validation, body parsing, size limits) into
// the contract's error body: one shape, the field at fault named the same way
// everywhere (body fields by path, path parameters by name, query parameters
// as `query.NAME`), and a message in Spotlight's words that says what the
// field allows, read from the very schema that refused it.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';
import { ERROR_CODES, errorBody, sendError } from './errors.js';
import { rateLimitAnswer } from './guards.js';

type Schema = Record<string, unknown>;

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
  /** With ajv's `verbose`: the schema holding the failed keyword and the value refused. */
  parentSchema?: Schema;
  data?: unknown;
}

/** "/interfaces/0/mac" -> "interfaces[0].mac"; query parameters as "query.wait". */
export function fieldPath(instancePath: string, context?: string): string {
  const parts = instancePath.split('/').filter((p) => p.length > 0).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  if (context === 'querystring') return out === '' ? 'query' : `query.${out}`;
  return out;
}

function join(base: string, name: string): string {
  return base === '' ? name : `${base}.${name}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function range(min: unknown, max: unknown, unit: string): string {
  if (typeof min === 'number' && typeof max === 'number') return min === max ? plural(min, unit) : `${min} to ${plural(max, unit)}`;
  if (typeof min === 'number') return `at least ${plural(min, unit)}`;
  if (typeof max === 'number') return `at most ${plural(max, unit)}`;
  return '';
}

/** What a schema accepts, in words: "text of 1 to 128 characters", "one of "private", "public"". */
export function allowedText(s: Schema): string {
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (typeof s.description === 'string') return s.description;
  switch (s.type) {
    case 'string': {
      const r = range(s.minLength, s.maxLength, 'character');
      return r ? `text of ${r}` : 'text';
    }
    case 'integer':
    case 'number': {
      const kind = s.type === 'integer' ? 'a whole number' : 'a number';
      if (typeof s.minimum === 'number' && typeof s.maximum === 'number') return `${kind} from ${s.minimum} to ${s.maximum}`;
      return kind;
    }
    case 'boolean':
      return 'true or false';
    case 'array': {
      const r = range(s.minItems, s.maxItems, 'item');
      const items = s.items && typeof s.items === 'object' ? ` (each ${allowedText(s.items as Schema)})` : '';
      return `a list${r ? ` of ${r}` : ''}${items}`;
    }
    case 'object':
      return 'a JSON object';
    default:
      return 'a valid value';
  }
}

/** A short rendering of the refused value, for the message. */
function shown(v: unknown): string {
  if (v === undefined) return '';
  const text = JSON.stringify(v) ?? String(v);
  return ` (got ${text.length > 40 ? `${text.slice(0, 37)}...` : text})`;
}

/** The field's own code for an out-of-list value ("kind" -> invalid_kind), else invalid_field. */
function valueCode(field: string): string {
  const last = /([A-Za-z]+)(?:\[\d+\])?$/.exec(field)?.[1];
  const code = `invalid_${last ?? ''}`;
  return last && code in ERROR_CODES ? code : 'invalid_field';
}

export interface ValidationAnswer {
  status: number;
  code: string;
  message: string;
  field: string;
}

/** The answer for ajv's first issue with a request part (body, querystring, params). */
export function describeIssue(issue: AjvIssue, context: string | undefined): ValidationAnswer {
  const base = fieldPath(issue.instancePath ?? '', context);
  const schema = issue.parentSchema ?? {};
  const known = Object.keys((schema.properties ?? {}) as Schema);
  if (issue.keyword === 'additionalProperties') {
    const field = join(base, String(issue.params?.additionalProperty ?? ''));
    const allowed = known.length ? `; the known fields here are ${known.join(', ')}` : '; this request takes none';
    return { status: 400, code: 'unknown_field', message: `unknown field ${field}${allowed}`, field };
  }
  if (issue.keyword === 'required') {
    const name = String(issue.params?.missingProperty ?? '');
    const field = join(base, name);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const what = props[name] ? `: ${allowedText(props[name])}` : '';
    return { status: 400, code: 'missing_field', message: `missing field ${field}${what}`, field };
  }
  const field = base === '' ? (context === 'querystring' ? 'query' : 'body') : base;
  const subject = field === 'body' ? 'the body' : field;
  const code = issue.keyword === 'enum' ? valueCode(field) : 'invalid_field';
  return { status: 400, code, message: `${subject} must be ${allowedText(schema)}${shown(issue.data)}`, field };
}

export interface ErrorHandlerOptions {
  logger: Logger;
  /** The body size limit in bytes, named in the 413. */
  bodyLimit: number;
}

function bytesText(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n} bytes (${n / (1024 * 1024)} MiB)`;
  if (n % 1024 === 0) return `${n} bytes (${n / 1024} KiB)`;
  return `${n} bytes`;
}

export function makeErrorHandler(opts: ErrorHandlerOptions) {
  const tooLarge = `the request body is larger than the limit of ${bytesText(opts.bodyLimit)} (api.bodyLimit)`;
  return (error: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const issues = error.validation as AjvIssue[] | undefined;
    if (issues && issues.length > 0) {
      const a = describeIssue(issues[0]!, error.validationContext);
      return sendError(reply, a.status, a.code, a.message, a.field);
    }
    const limited = rateLimitAnswer(error, reply);
    if (limited) return limited;
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, 'body_too_large', tooLarge, 'body');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, 'unsupported_media_type', 'the body must be JSON, sent with content-type: application/json', 'body');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'invalid_json', 'the body is empty; this request takes a JSON object', 'body');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 400, 'invalid_json', 'the body is not valid JSON; it must be a JSON object', 'body');
      default:
        break;
    }
    // JSON.parse failures from the body parser carry status 400 without a code.
    if (error.statusCode === 400 || error instanceof SyntaxError) {
      return sendError(reply, 400, 'invalid_json', 'the body is not valid JSON; it must be a JSON object', 'body');
    }
    if (error.statusCode === 413) return sendError(reply, 413, 'body_too_large', tooLarge, 'body');
    if (error.statusCode === 415) return sendError(reply, 415, 'unsupported_media_type', 'the body must be JSON, sent with content-type: application/json', 'body');
    opts.logger.error('request failed', { method: req.method, path: req.url, error: String(error), stack: error.stack });
    return sendError(reply, 500, 'internal', 'internal error; the controller log has the details');
  };
}

/** Node's HTTP parser refuses the request line and headers past this size (its default). */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Requests the HTTP parser refuses before fastify sees them (a 100 KB URL,
 * malformed HTTP) still get the API's error shape.
 */
export function clientErrorHandler(logger: Logger) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
    const [status, reason, body] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', errorBody('request_too_large', `the URL and headers are larger than the limit of ${bytesText(MAX_HEADER_BYTES)}`, 'url')]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', errorBody('request_timeout', 'the request did not arrive in time')]
          : [400, 'Bad Request', errorBody('bad_request', 'the request is not valid HTTP')];
    logger.info('api request refused by the HTTP parser', { status, code: body.error.code, reason: err.code, remote: socket.remoteAddress });
    const text = JSON.stringify(body);
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  };
}
