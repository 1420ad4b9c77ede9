// Messages the channel tests send.
import type { FlowMod } from '../../../../src/openflow/message-model.js';

/** An OF1.3-style add with an IPv4 match unique to i and one output action. */
export function addFlow(i: number): Omit<FlowMod, 'version' | 'xid'> {
  return {
    type: 'flowMod',
    cookie: BigInt(i),
    cookieMask: 0n,
    tableId: 0,
    command: 'add',
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 1000,
    bufferId: 0xffffffff,
    outPort: 0xffffffff,
    outGroup: 0xffffffff,
    flags: {},
    match: { inPort: 1, ethType: 0x0800, ipv4Dst: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
    instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 2 }] }],
  };
}
