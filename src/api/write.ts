// The one path every write takes: apply the model operation through the
// store (durable before the answer), then honour ?wait=SECONDS.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StoreError, type ModelOp } from '../store/index.js';
import type { ApiContext } from './context.js';
import { sendError } from './errors.js';

export async function runWrite(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, op: ModelOp): Promise<FastifyReply> {
  let result;
  try {
    result = await ctx.store.apply(op);
  } catch (e) {
    if (e instanceof StoreError) {
      ctx.logger.error('write not stored', { method: req.method, path: req.url, code: e.code, error: e.message });
      return sendError(reply, 503, 'store_write_failed', 'the change could not be stored durably; nothing changed');
    }
    throw e;
  }
  if (!result.ok) {
    const { status, code, message, field } = result.error;
    return sendError(reply, status, code, message, field);
  }
  const wait = (req.query as { wait?: string } | undefined)?.wait;
  if (wait !== undefined) {
    const timeoutMs = Math.min(Number(wait), 3600) * 1000;
    const outcome = await ctx.realization.waitFor(result.generation, timeoutMs);
    if (outcome === 'timeout') {
      return reply.code(504).send({
        error: { code: 'realization_timeout', message: `generation ${result.generation} is stored but not confirmed by every switch within ${wait} s` },
        generation: result.generation,
      });
    }
  }
  return reply.code(200).send({ generation: result.generation });
}
