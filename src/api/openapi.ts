// The OpenAPI 3 description, generated from the routes as registered: their
// paths, methods and the very schemas that validate them.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { READ_ANSWERS, REALIZATION_TIMEOUT_ANSWER, WRITE_ANSWER, type Answer } from './answers.js';
import { ERROR_CODES, errorBody } from './errors.js';
import { errorResponse } from './schemas.js';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI description. */
    summary?: string;
    /** What the summary leaves out (limits, refusals), a paragraph. */
    description?: string;
    /** Not part of the API (left out of the description). */
    hide?: boolean;
  }
}

export interface RegisteredRoute {
  method: string;
  /** fastify form: /v1/networks/:network */
  url: string;
  schema: Record<string, unknown>;
}

/** Records every route as it is registered; call before registering them. */
export function collectRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r: RouteOptions) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    // Hidden routes (the web view's files) are not part of the API.
    if ((r.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const m of methods) routes.push({ method: String(m), url: r.url, schema: (r.schema ?? {}) as Record<string, unknown> });
  });
  return routes;
}

/** /v1/networks/:network -> /v1/networks/{network} */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Per HTTP status, the error codes it carries. */
function codesByStatus(): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    const l = out.get(info.status) ?? [];
    l.push(code);
    out.set(info.status, l);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

function content(a: Answer): Record<string, unknown> {
  return { [a.contentType ?? 'application/json']: { schema: a.schema, example: a.example } };
}

/** The route's 200 answer; a route without one is a gap in the description. */
export function answerOf(method: string, url: string): Answer | undefined {
  return READ_ANSWERS[`${method} ${url}`] ?? (method === 'GET' ? undefined : WRITE_ANSWER);
}

function errorResponses(isWrite: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, codes] of codesByStatus()) {
    const description = `error: ${codes.join(', ')}`;
    if (isWrite && status === 504) {
      out[String(status)] = { description, content: content(REALIZATION_TIMEOUT_ANSWER) };
      continue;
    }
    const example = errorBody(codes[0]!, ERROR_CODES[codes[0]!]!.description);
    out[String(status)] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example } } };
  }
  return out;
}

export function buildOpenApi(routes: readonly RegisteredRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = openApiPath(r.url);
    const op: Record<string, unknown> = { summary: r.schema.summary ?? '', ...(r.schema.description ? { description: r.schema.description } : {}) };
    const parameters: unknown[] = [];
    const params = r.schema.params as { properties?: Record<string, unknown> } | undefined;
    for (const [name, schema] of Object.entries(params?.properties ?? {})) parameters.push({ name, in: 'path', required: true, schema });
    const query = r.schema.querystring as { properties?: Record<string, unknown>; required?: string[] } | undefined;
    for (const [name, schema] of Object.entries(query?.properties ?? {})) parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema });
    if (parameters.length > 0) op.parameters = parameters;
    if (r.schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.schema.body } } };
    const answer = answerOf(r.method, r.url);
    op.responses = {
      '200': { description: 'OK', ...(answer ? { content: content(answer) } : {}) },
      ...errorResponses(r.method !== 'GET'),
    };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Spotlight API', version: '1' },
    components: {
      schemas: { Error: errorResponse },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
