// The one path every write takes: apply the model operation through the
// store (durable before the answer), then honour ?wait=SECONDS: wait until
// every connected switch the change touches has confirmed its generation.
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ModelChange } from '../model/types.js';
import { StoreError, type ModelOp } from '../store/index.js';
import type { ApiContext } from './context.js';
import type { BudgetExcessInfo } from './deps.js';
import { errorBody, markError, sendError } from './errors.js';
import { switchesNamed } from './named-switches.js';
import { inputWarnings } from './warnings.js';

/** `?wait` is capped at an hour. */
export const MAX_WAIT_SECONDS = 3600;

export async function runWrite(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, op: ModelOp): Promise<FastifyReply> {
  let changes: ModelChange[] = [];
  let refused: BudgetExcessInfo[] = [];
  let result;
  try {
    result = await ctx.store.apply((s) => {
      const r = op(s);
      refused = r.ok && ctx.admission ? ctx.admission.check(s, r.changes, r.snapshot) : [];
      // Refused: the write changes nothing, so nothing is stored.
      if (refused.length > 0) return { ok: true, snapshot: s, changes: [] };
      if (r.ok) changes = r.changes;
      return r;
    });
  } catch (e) {
    if (e instanceof StoreError) {
      ctx.logger.error('write not stored', { method: req.method, path: req.url, code: e.code, error: e.message });
      if (e.code === 'store_unavailable') {
        return sendError(reply, 503, 'store_unavailable', 'the store did not confirm the change in time; it may or may not be stored: repeat the call (writes are idempotent)');
      }
      return sendError(reply, 503, 'store_write_failed', 'the change could not be stored durably; nothing changed');
    }
    throw e;
  }
  if (!result.ok) {
    const { status, code, message, field } = result.error;
    return sendError(reply, status, code, message, field);
  }
  if (refused.length > 0) return refuseOverBudget(ctx, req, reply, refused);
  const generation = result.generation;
  const warnings = result.changed ? inputWarnings(changes, ctx.store.snapshot()) : [];
  if (warnings.length > 0) ctx.logger.info('write accepted with warnings', { path: req.url, generation, warnings: warnings.map((w) => `${w.code} ${w.field}`) });
  const extra = warnings.length > 0 ? { warnings } : {};
  const wait = (req.query as { wait?: string } | undefined)?.wait;
  const seconds = wait === undefined ? 0 : Math.min(Number(wait), MAX_WAIT_SECONDS);
  // wait=0 is no wait at all.
  if (seconds <= 0) return reply.code(200).send({ generation, ...extra });
  const named = result.changed ? switchesNamed(changes, ctx.store.snapshot()) : [];
  // The connection stays silent while waiting: its idle timeout (api.timeouts.idleMs) must not cut the answer.
  // (A request injected in tests has a socket without timers.)
  (req.raw.socket as Partial<Socket> | undefined)?.setTimeout?.(0);
  const r = await ctx.realization.waitForChange({ generation, named, timeoutMs: seconds * 1000 });
  if (r.outcome === 'realized') return reply.code(200).send({ generation, pending: r.pending, ...extra });
  const lagging = r.lagging.map((l) => ({ switch: l.dpid, realizedGeneration: l.realizedGeneration }));
  const who = lagging.map((l) => `${l.switch} (at generation ${l.realizedGeneration ?? 'none'})`).join(', ');
  ctx.logger.warn('write stored but not realized in time', { path: req.url, generation, waitSeconds: seconds, lagging: who, pending: r.pending });
  return reply.code(504).send({
    ...errorBody('realization_timeout', `generation ${generation} is stored but not confirmed within ${wait} s by ${who || 'the switches'}`),
    generation,
    lagging,
    pending: r.pending,
    ...extra,
  });
}

/** 409 table_budget_exceeded: the first switch over its budget in the message and fields, every one in `exceeded`. */
function refuseOverBudget(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, excess: BudgetExcessInfo[]): FastifyReply {
  const names = new Map(ctx.switches.list().flatMap((s) => (s.name ? [[s.dpid, s.name] as const] : [])));
  const shown = (dpid: string): string => (names.has(dpid) ? `${names.get(dpid)} (${dpid})` : dpid);
  const first = excess[0]!;
  const more = excess.length > 1 ? `, and ${excess.length - 1} more switch${excess.length > 2 ? 'es' : ''}` : '';
  const message = `switch ${shown(first.dpid)} would need ${first.needed} ${first.unit} with this change, over its table budget of ${first.budget}${more}; nothing was stored`;
  ctx.logger.warn('write refused: table budget', { method: req.method, path: req.url, exceeded: excess.map((e) => `${e.dpid} ${e.needed}/${e.budget} ${e.unit}`) });
  markError(reply, 'table_budget_exceeded');
  return reply.code(409).type('application/json').send({
    ...errorBody('table_budget_exceeded', message),
    switch: first.dpid,
    ...(names.has(first.dpid) ? { name: names.get(first.dpid) } : {}),
    needed: first.needed,
    budget: first.budget,
    unit: first.unit,
    exceeded: excess.map((e) => ({ switch: e.dpid, needed: e.needed, budget: e.budget, unit: e.unit })),
  });
}
