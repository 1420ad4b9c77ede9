// The web view at /ui/: static files from web/ and cytoscape from its npm
// package, served by the controller itself (no CDN). Behind the same token as
// the API: a browser cannot set an Authorization header on page loads or on
// EventSource, so POST /ui/login takes the token once and sets it as an
// HttpOnly, SameSite=Strict cookie, which the auth hook accepts for reads
// (GET) only; writes still need the header.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../../package-root.js';
import { tokenMatches, UI_COOKIE } from '../auth.js';
import { sendError } from '../errors.js';

const loginBody = {
  type: 'object',
  additionalProperties: false,
  properties: { token: { type: 'string', minLength: 1, maxLength: 4096, description: 'the API token' } },
  required: ['token'],
} as const;

export function registerUiRoutes(app: FastifyInstance, token: string | undefined): void {
  const cytoscape = createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js');
  void app.register(fastifyStatic, { root: join(packageRoot(), 'web'), prefix: '/ui/', schemaHide: true, index: 'index.html', cacheControl: false });
  app.get('/ui', { schema: { hide: true } }, (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui/vendor/cytoscape.min.js', { schema: { hide: true } }, (_req, reply) => reply.type('application/javascript').send(createReadStream(cytoscape)));
  app.post<{ Body: { token: string } }>('/ui/login', { schema: { hide: true, body: loginBody } }, (req, reply) => {
    if (token !== undefined && !tokenMatches(req.body.token, token)) return sendError(reply, 401, 'unauthorized', 'that is not the API token', 'token');
    return reply
      .header('set-cookie', `${UI_COOKIE}=${encodeURIComponent(req.body.token)}; Path=/; HttpOnly; SameSite=Strict`)
      .code(200)
      .send({ ok: true });
  });
}
