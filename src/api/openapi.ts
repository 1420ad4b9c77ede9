// The OpenAPI 3 description, generated from the routes as registered: their
// paths, methods and the very schemas that validate them.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERROR_CODES } from './errors.js';
import { errorResponse, generationResponse } from './schemas.js';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI description. */
    summary?: string;
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
    for (const m of methods) routes.push({ method: String(m), url: r.url, schema: (r.schema ?? {}) as Record<string, unknown> });
  });
  return routes;
}

/** /v1/networks/:network -> /v1/networks/{network} */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function errorStatuses(): string[] {
  return [...new Set(Object.values(ERROR_CODES).map((e) => String(e.status)))].sort();
}

export function buildOpenApi(routes: readonly RegisteredRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = openApiPath(r.url);
    const op: Record<string, unknown> = { summary: r.schema.summary ?? '' };
    const parameters: unknown[] = [];
    const params = r.schema.params as { properties?: Record<string, unknown> } | undefined;
    for (const [name, schema] of Object.entries(params?.properties ?? {})) parameters.push({ name, in: 'path', required: true, schema });
    const query = r.schema.querystring as { properties?: Record<string, unknown>; required?: string[] } | undefined;
    for (const [name, schema] of Object.entries(query?.properties ?? {})) parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema });
    if (parameters.length > 0) op.parameters = parameters;
    if (r.schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.schema.body } } };
    const isWrite = r.method !== 'GET';
    const responses: Record<string, unknown> = {
      '200': { description: 'OK', content: { 'application/json': { schema: isWrite ? generationResponse : { type: 'object' } } } },
    };
    for (const status of errorStatuses()) {
      responses[status] = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    op.responses = responses;
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
