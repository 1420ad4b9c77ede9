// Reads of VMs, switches, topology and health.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { sendError } from '../errors.js';
import { emptyQuery, vmParams } from '../schemas.js';
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
      if (!vm) return sendError(reply, 404, 'vm_not_found', `vm ${req.params.vm} does not exist`, 'vm');
      return vm;
    },
  );

  app.get('/v1/switches', { schema: { summary: 'Switches: datapath id, version, connection, ports, flow count', querystring: emptyQuery } }, () => ({
    switches: ctx.switches.list(),
  }));

  app.get('/v1/topology', { schema: { summary: 'Fabric links between switches', querystring: emptyQuery } }, () => ({
    links: ctx.topology.links(),
  }));

  app.get('/v1/health', { schema: { summary: 'Health: 200 once the store is open and both listeners are up', querystring: emptyQuery } }, (_req, reply) => {
    if (!ctx.ready()) return sendError(reply, 503, 'not_ready', 'the controller is starting');
    return { status: 'ok', generation: ctx.store.generation };
  });
}
