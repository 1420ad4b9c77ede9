// The discovery trap: every switch hands LLDP probes to the controller ahead
// of every other rule of its first table, whatever port they enter from. It
// matches no in_port on purpose: a port is known to be fabric only once
// probes have crossed it, and probes arriving on access ports are what the
// cabling check reports as miscabling. A VM's LLDP reaches the controller
// too (discovery refuses it as unsigned) and nothing else; on OF1.3 the
// reconciler puts the flow behind the packet-in meter like every
// controller-bound flow.
import { Port } from '../openflow/types.js';
import { PROBE_TRAP_MATCH } from '../topo/lldp.js';
import type { Dpid } from '../topo/types.js';
import { cookieFor } from './cookie.js';
import type { DesiredFlow } from './types.js';

/** Highest OpenFlow priority: above every compiled flow of table 0. */
export const LLDP_TRAP_PRIORITY = 0xffff;

/** Same flow for both lowerings: table 0, apply-actions only, the whole frame to the controller. */
export function lldpTrapFlow(dpid: Dpid): DesiredFlow {
  return {
    stage: 'lldp-trap',
    tableId: 0,
    priority: LLDP_TRAP_PRIORITY,
    match: { ...PROBE_TRAP_MATCH },
    instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER, maxLen: 0xffff }] }],
    cookie: cookieFor('switch', `lldp-trap/${dpid}`),
  };
}
