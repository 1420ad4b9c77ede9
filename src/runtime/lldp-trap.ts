// Discovery probes must reach the controller on every switch. The compiled
// flows carry a trap for them; before the first publication (the start-up
// hold, see compile-loop.ts) a newly connected switch that holds no flows
// would drop every probe (OF1.3 table-miss), so discovery could never settle
// the hold. A bootstrap trap, one priority lower and with its own cookie in
// Spotlight's space, is sent on connect while the hold lasts; it is not a
// desired flow, so the switch's first reconcile pass removes it.
import { cookieFor } from '../compiler/cookie.js';
import type { DesiredFlow } from '../compiler/types.js';
import { GROUP_ANY, NO_BUFFER, Port, type FlowMod } from '../openflow/types.js';
import { PROBE_TRAP_MATCH } from '../topo/lldp.js';
import type { Dpid } from '../topo/types.js';

/** Above every compiled flow. */
const TRAP_PRIORITY = 0xffff;

export function lldpTrapFlow(dpid: Dpid): DesiredFlow {
  return {
    stage: 'lldp-trap',
    tableId: 0,
    priority: TRAP_PRIORITY,
    match: { ...PROBE_TRAP_MATCH },
    instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER, maxLen: 0xffff }] }],
    cookie: cookieFor('switch', `lldp-trap/${dpid}`),
  };
}

export function lldpBootstrapFlowMod(dpid: Dpid): Omit<FlowMod, 'version' | 'xid'> {
  const trap = lldpTrapFlow(dpid);
  return {
    type: 'flowMod',
    cookie: cookieFor('switch', `lldp-bootstrap/${dpid}`),
    cookieMask: 0n,
    tableId: 0,
    command: 'add',
    idleTimeout: 0,
    hardTimeout: 0,
    priority: TRAP_PRIORITY - 1,
    bufferId: NO_BUFFER,
    outPort: Port.ANY,
    outGroup: GROUP_ANY,
    flags: {},
    match: trap.match,
    instructions: trap.instructions,
  };
}
