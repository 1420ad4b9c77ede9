// GET /metrics: Prometheus text format, behind the same token as the API.
import type { FastifyInstance } from 'fastify';
import type { ApiMetrics } from '../deps.js';
import { emptyQuery } from '../schemas.js';

export function registerMetricsRoute(app: FastifyInstance, metrics: ApiMetrics): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', querystring: emptyQuery } }, async (_req, reply) => {
    const body = await metrics.render();
    return reply.type(metrics.contentType()).send(body);
  });
}
