// Reads of VMs, switches, topology and health.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiContext } from '../context.js';
import { sendError } from '../errors.js';
import { emptyQuery, vmParams } from '../schemas.js';
import { callerOf, vmVisible } from '../scopes.js';
import { byName } from './views.js';

export function registerReadRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/vms', { schema: { summary: 'List VMs', querystring: emptyQuery } }, () => {
    const s = ctx.store.snapshot();
    return { generation: s.generation, vms: byName([...s.vms.values()]) };
  });

  app.get<{ Params: { vm: string } }>(
    '/v1/vms/:vm',
    { schema: { summary: 'One VM, with its migration if one is in progress', params: vmParams, querystring: emptyQuery } },
    (req, reply) => {
      const vm = ctx.store.snapshot().vms.get(req.params.vm);
      // An agent token is answered as if a VM on other hosts' switches did not exist.
      if (!vm || !vmVisible(callerOf(req), vm)) return sendError(reply, 404, 'vm_not_found', `vm ${req.params.vm} does not exist`, 'vm');
      return vm;
    },
  );

  app.get('/v1/switches', { schema: { summary: 'Switches: datapath id, version, connection, ports, flow count, OpenFlow 1.3 groups', querystring: emptyQuery } }, () => ({
    switches: ctx.switches.list(),
  }));

  app.get('/v1/topology', { schema: { summary: 'Fabric links between switches', querystring: emptyQuery } }, () => ({
    links: ctx.topology.links(),
  }));

  // A probe may call this every second: the write check runs at most once a second, its answer shared.
  let writable: { at: number; ok: Promise<boolean> } | undefined;
  const storeWritable = (): Promise<boolean> => {
    const now = Date.now();
    if (!writable || now - writable.at >= 1000) writable = { at: now, ok: ctx.store.checkWritable() };
    return writable.ok;
  };
  const health = async (reply: FastifyReply, data: () => Record<string, unknown>): Promise<unknown> => {
    if (!ctx.ready()) return sendError(reply, 503, 'not_ready', 'the controller is starting');
    if (!(await storeWritable())) return sendError(reply, 503, 'store_write_failed', 'the store cannot write durably: writes are refused until it can (see the log)');
    return { status: 'ok', ...data() };
  };
  app.get('/v1/health', { schema: { summary: 'Health: 200 once the store is open and can write and both listeners are up', querystring: emptyQuery } }, (_req, reply) =>
    health(reply, () => ({ generation: ctx.store.generation })),
  );
  app.get('/v1/live', { schema: { summary: 'Liveness for probes, without the token: the same verdict as health, and no data', querystring: emptyQuery } }, (_req, reply) =>
    health(reply, () => ({})),
  );
}
