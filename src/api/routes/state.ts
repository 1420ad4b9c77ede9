// Moving state: GET /v1/export is the whole model as one JSON document (the
// store-neutral export file of src/store/interchange.ts), from one
// consistent snapshot while the controller runs; POST /v1/import loads such
// a file into an empty store, every record checked by the model's own rules.
import type { FastifyInstance } from 'fastify';
import { MODEL_ERROR_STATUS, type ModelErrorCode } from '../../model/errors.js';
import { StoreError } from '../../store/index.js';
import { exportModel, importModel, type ModelExport } from '../../store/interchange.js';
import type { ApiContext } from '../context.js';
import { sendError } from '../errors.js';
import { emptyQuery, importBody } from '../schemas.js';

/** An export of a large cloud is tens of MiB; the import takes it whole. */
export const IMPORT_BODY_LIMIT = 256 * 1024 * 1024;

export function registerStateRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/export', { schema: { summary: 'The whole model (networks with segments, VMs, relations, generation) as one consistent JSON document', querystring: emptyQuery } }, (_req, reply) => {
    const doc = exportModel(ctx.store.snapshot());
    ctx.logger.info('model exported', { generation: doc.generation, networks: doc.networks.length, vms: doc.vms.length, relations: doc.relations.length });
    return reply.header('content-disposition', `attachment; filename="spotlight-${doc.generation}.json"`).send(doc);
  });

  app.post<{ Body: ModelExport }>(
    '/v1/import',
    { bodyLimit: IMPORT_BODY_LIMIT, schema: { summary: 'Load an export into an empty store (409 store_not_empty otherwise)', querystring: emptyQuery, body: importBody } },
    async (req, reply) => {
      const r = importModel(req.body);
      if (!r.ok) {
        const status = MODEL_ERROR_STATUS[r.error.code as ModelErrorCode] ?? 400;
        return sendError(reply, status, r.error.code, r.error.message, r.error.field);
      }
      try {
        await ctx.store.restore(r.snapshot);
      } catch (e) {
        if (e instanceof StoreError && e.code === 'store_not_empty') return sendError(reply, 409, 'store_not_empty', e.message);
        if (e instanceof StoreError) return sendError(reply, 503, 'store_write_failed', 'the import could not be stored durably; nothing changed');
        throw e;
      }
      const s = ctx.store.snapshot();
      ctx.logger.info('model imported', { generation: s.generation, networks: s.networks.size, vms: s.vms.size, relations: s.relations.size });
      return { generation: s.generation, networks: s.networks.size, vms: s.vms.size, relations: s.relations.size };
    },
  );
}
