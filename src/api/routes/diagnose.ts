// Operator diagnostics over the compiled flows the controller holds now (the
// compile loop's live state: nothing is compiled per request):
// GET /v1/explain?from=A&to=B  may A reach B, by which rule, through which flows
// GET /v1/trace?packet=TEXT    a described packet through the tables, stage by stage
import type { FastifyInstance } from 'fastify';
import { usableLinks } from '../../compiler/routes.js';
import { explainPair } from '../../explain/explain.js';
import { switchDpid, SWITCH_FORMS } from '../../model/ident.js';
import { describePacket } from '../../sim/describe.js';
import { traceFabric } from '../../sim/trace.js';
import type { TopologySnapshot } from '../../topo/types.js';
import type { ApiContext } from '../context.js';
import { sendError } from '../errors.js';

const explainQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', minLength: 1, maxLength: 128, description: 'a VM name or a gateway MAC' },
    to: { type: 'string', minLength: 1, maxLength: 128, description: 'a VM name or a gateway MAC' },
  },
  required: ['from', 'to'],
  additionalProperties: false,
} as const;

const traceQuery = {
  type: 'object',
  properties: { packet: { type: 'string', minLength: 1, maxLength: 2048, description: 'a packet described as in=SWITCH:PORT eth_src=MAC eth_dst=MAC [kind] [field=value ...], at most 2048 characters' } },
  required: ['packet'],
  additionalProperties: false,
} as const;

function resolveSwitch(ctx: ApiContext, topo: TopologySnapshot, ref: string): string | undefined {
  const d = switchDpid(ref, ctx.lookupSwitch);
  if (d) return d;
  for (const s of topo.switches.values()) if (s.name === ref) return s.dpid;
  return undefined;
}

export function registerDiagnoseRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { from: string; to: string } }>(
    '/v1/explain',
    { schema: { summary: 'May VM A reach VM B (or a gateway MAC), by which contract rule, and which compiled flows carry it', querystring: explainQuery } },
    (req, reply) => {
      if (!ctx.fabric || !ctx.compiled) return sendError(reply, 503, 'not_available', 'this controller has no compiled fabric to look at');
      const model = ctx.store.snapshot();
      const topo = ctx.fabric.snapshot();
      const r = explainPair(model, topo, ctx.compiled.switches(), req.query.from, req.query.to);
      if (!r.ok) return sendError(reply, 404, r.code, r.message, `query.${r.field}`);
      return { generation: model.generation, ...r.report };
    },
  );

  app.get<{ Querystring: { packet: string } }>(
    '/v1/trace',
    { schema: { summary: 'A described packet (in=SWITCH:PORT eth_src=.. eth_dst=.. [kind] [field=..]) through the compiled tables', querystring: traceQuery } },
    (req, reply) => {
      if (!ctx.fabric || !ctx.compiled) return sendError(reply, 503, 'not_available', 'this controller has no compiled fabric to look at');
      const d = describePacket(req.query.packet);
      if (!d.ok) return sendError(reply, 400, 'invalid_field', d.message, `query.packet.${d.field}`);
      const model = ctx.store.snapshot();
      const topo = ctx.fabric.snapshot();
      const dpid = resolveSwitch(ctx, topo, d.packet.switch);
      if (!dpid) return sendError(reply, 400, 'invalid_switch', `in=${d.packet.switch}:... names no switch: write ${SWITCH_FORMS}`, 'query.packet.in');
      const sw = topo.switches.get(dpid);
      if (!sw) return sendError(reply, 404, 'switch_not_found', `switch ${d.packet.switch} (${dpid}) is not in the fabric`, 'query.packet.in');
      const p = d.packet.port;
      const port = /^\d+$/.test(p) ? Number(p) : [...sw.ports.values()].find((x) => x.name === p)?.portNo;
      if (port === undefined) return sendError(reply, 400, 'invalid_port', `switch ${d.packet.switch} has no port ${p}`, 'query.packet.in');
      const report = traceFabric(ctx.compiled.switches(), [...usableLinks(topo).values()], { dpid, port }, d.packet.frame);
      return { generation: model.generation, in: { switch: dpid, port }, ...report };
    },
  );
}
