// GET /v1/switches/{switch}/flows: the flows a switch holds right now, read
// from it (flow stats), with their packet and byte counters.
import type { FastifyInstance } from 'fastify';
import { switchDpid, SWITCH_FORMS } from '../../model/ident.js';
import type { ApiContext } from '../context.js';
import { sendError } from '../errors.js';
import { emptyQuery } from '../schemas.js';

const switchParams = {
  type: 'object',
  properties: { switch: { type: 'string', minLength: 1, maxLength: 128 } },
  required: ['switch'],
  additionalProperties: false,
} as const;

export function registerSwitchFlowRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { switch: string } }>(
    '/v1/switches/:switch/flows',
    { schema: { summary: 'Flows on a switch, read from it now, with counters (404 unknown, 503 disconnected)', params: switchParams, querystring: emptyQuery } },
    async (req, reply) => {
      const ref = req.params.switch;
      const dpid = switchDpid(ref, ctx.lookupSwitch);
      if (dpid === undefined) return sendError(reply, 400, 'invalid_switch', `switch ${ref} names no switch: write ${SWITCH_FORMS}`, 'switch');
      const known = ctx.switches.list().find((s) => s.dpid === dpid);
      if (!known) return sendError(reply, 404, 'switch_not_found', `switch ${ref} is not known`, 'switch');
      if (!ctx.switches.dumpFlows) return sendError(reply, 503, 'not_available', 'this controller cannot read flows from switches');
      const r = await ctx.switches.dumpFlows(dpid);
      if (r.ok) return { switch: dpid, version: r.version, flows: r.flows };
      if (r.reason === 'unknown') return sendError(reply, 404, 'switch_not_found', `switch ${ref} is not known`, 'switch');
      if (r.reason === 'timeout') return sendError(reply, 504, 'switch_timeout', `switch ${ref} did not answer in time`, 'switch');
      return sendError(reply, 503, 'switch_disconnected', `switch ${ref} is not connected`, 'switch');
    },
  );
}
