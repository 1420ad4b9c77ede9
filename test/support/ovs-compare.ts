// Random flow-mod sequences for checking a simulated switch against real
// Open vSwitch (add, modify, modify-strict, delete, delete-strict, cookie
// masks, out_port filters, all tables), and a flow table as comparable text.
import fc from 'fast-check';
import { GROUP_ANY, NO_BUFFER, OFP10_VERSION, OFP13_VERSION, Port, TABLE_ALL, type OfVersion } from '../../src/openflow/wire-values.js';
import { type FlowStats } from '../../src/openflow/stats-model.js';
import { canonicalInstructions } from '../../src/reconcile/action-key.js';
import { flowKey } from '../../src/reconcile/match-key.js';
import type { FlowModBody } from '../../src/reconcile/ports.js';
import { FOREIGN_COOKIE, OURS, flowArb } from '../unit/reconcile/flowgen.js';

export function commandArb(version: OfVersion): fc.Arbitrary<FlowModBody> {
  return fc
    .record({
      f: flowArb([0], [OURS, OURS | 1n, FOREIGN_COOKIE]),
      command: fc.constantFrom('add', 'add', 'add', 'modify', 'modifyStrict', 'delete', 'deleteStrict' as const),
      cookieMask: fc.constantFrom(0n, 0xffffffffffffffffn, 0xffff000000000000n),
      outPort: fc.constantFrom(Port.ANY, Port.ANY, 1, 2),
      allTables: fc.boolean(),
    })
    .map(({ f, command, cookieMask, outPort, allTables }) => {
      const del = command === 'delete' || command === 'deleteStrict';
      return {
        type: 'flowMod',
        command,
        cookie: f.cookie,
        cookieMask: version === OFP10_VERSION ? 0n : cookieMask,
        tableId: del && allTables && version === OFP13_VERSION ? TABLE_ALL : 0,
        idleTimeout: 0,
        hardTimeout: 0,
        priority: f.priority,
        bufferId: NO_BUFFER,
        outPort: del ? outPort : Port.ANY,
        outGroup: GROUP_ANY,
        flags: {},
        match: f.match,
        instructions: del ? [] : f.instructions,
      } as FlowModBody;
    });
}

/** Deletes every flow of every table (what `ovs-ofctl del-flows` sends). */
export const DELETE_ALL: FlowModBody = {
  type: 'flowMod',
  command: 'delete',
  cookie: 0n,
  cookieMask: 0n,
  tableId: TABLE_ALL,
  idleTimeout: 0,
  hardTimeout: 0,
  priority: 0,
  bufferId: NO_BUFFER,
  outPort: Port.ANY,
  outGroup: GROUP_ANY,
  flags: {},
  match: {},
  instructions: [],
};

/** One line per flow: identity, cookie and instructions in canonical form, sorted. */
export function tableText(flows: FlowStats[], version: OfVersion): string[] {
  return flows
    .map((f) => {
      const k = flowKey(f.tableId, f.priority, f.match, version);
      return `${k.ok ? k.key : 'bad'} cookie=${f.cookie.toString(16)} ${canonicalInstructions(f.instructions)}`;
    })
    .sort();
}
