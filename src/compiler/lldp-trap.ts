// The discovery trap: every switch hands LLDP probes to the controller ahead
// of every other rule of its first table, whatever port they enter from. It
// matches no in_port on purpose: a port is known to be fabric only once
// probes have crossed it, and probes arriving on access ports are what the
// cabling check reports as miscabling. A VM's LLDP reaches the controller
// too (discovery refuses it as unsigned) and nothing else; on OF1.3 the
// flow goes through the switch's own packet-in meter.
//
// That meter is shared by every port the switch does not know as fabric, so
// on an OF1.3 switch with access ports each usable fabric port also gets its
// own trap, above the general one and unmetered: a VM filling the meter
// with LLDP would otherwise starve the neighbours' probes and the controller
// would time the switch's links out. Only the neighbour switch sends on a
// fabric cable, and it sends nothing but the controller's own probes to this
// address, so the volume stays the controller's own probe rate.
import { Port } from '../openflow/wire-values.js';
import { PROBE_TRAP_MATCH } from '../topo/lldp.js';
import type { Dpid } from '../openflow/dpid.js';
import { cookieFor } from './cookie.js';
import type { DesiredFlow } from './types.js';

/** Highest OpenFlow priority: above every compiled flow of table 0. */
export const LLDP_TRAP_PRIORITY = 0xffff;
/** The general trap of an OF1.3 switch, under the per-fabric-port traps (a subset of its match at the same priority would be ambiguous). */
export const LLDP_TRAP_PRIORITY_13 = LLDP_TRAP_PRIORITY - 2;

const TO_CONTROLLER = { type: 'output', port: Port.CONTROLLER, maxLen: 0xffff } as const;

/** Table 0, the whole frame to the controller, from any port; through `meterId` when given. */
export function lldpTrapFlow(dpid: Dpid, priority = LLDP_TRAP_PRIORITY, meterId?: number): DesiredFlow {
  return {
    stage: 'lldp-trap',
    tableId: 0,
    priority,
    match: { ...PROBE_TRAP_MATCH },
    instructions: [...(meterId !== undefined ? [{ type: 'meter' as const, meterId }] : []), { type: 'applyActions', actions: [TO_CONTROLLER] }],
    cookie: cookieFor('switch', `lldp-trap/${dpid}`),
  };
}

/** OF1.3: the trap of one usable fabric port, kept out of the packet-in meter. */
export function fabricProbeTrapFlow(dpid: Dpid, portNo: number): DesiredFlow {
  return {
    stage: 'lldp-trap',
    tableId: 0,
    priority: LLDP_TRAP_PRIORITY,
    match: { inPort: portNo, ...PROBE_TRAP_MATCH },
    instructions: [{ type: 'applyActions', actions: [TO_CONTROLLER] }],
    cookie: cookieFor('switch', `lldp-trap/${dpid}`),
  };
}
