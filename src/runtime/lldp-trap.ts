// Discovery probes must reach the controller on every switch. The compiled
// flows carry a trap for them; before the first publication (the start-up
// hold, see compile-loop.ts) a newly connected switch that holds no flows
// would drop every probe (OF1.3 table-miss), so discovery could never settle
// the hold. A bootstrap trap, one priority lower and with its own cookie in
// Spotlight's space, is sent on connect while the hold lasts; it is not a
// desired flow, so the switch's first reconcile pass removes it.
import { cookieFor } from '../compiler/cookie.js';
import { LLDP_TRAP_PRIORITY, lldpTrapFlow } from '../compiler/lldp-trap.js';
import { GROUP_ANY, NO_BUFFER, Port, type FlowMod } from '../openflow/types.js';
import type { Dpid } from '../topo/types.js';

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
    priority: LLDP_TRAP_PRIORITY - 1,
    bufferId: NO_BUFFER,
    outPort: Port.ANY,
    outGroup: GROUP_ANY,
    flags: {},
    match: trap.match,
    instructions: trap.instructions,
  };
}
