// Random flow tables over a small packet space, for convergence and ordering
// properties. Distinct matches get distinct priorities, so that which flow a
// packet meets is always defined (as it must be for a compiler's output).
import fc from 'fast-check';
import type { Instruction, Match } from '../../../src/openflow/flow-model.js';
import { DEFAULT_COOKIE_SPACE, type DesiredFlow } from '../../../src/reconcile/ports.js';
import type { Packet } from '../../support/flow-table.js';

export const OURS = DEFAULT_COOKIE_SPACE.tag;
export const FOREIGN_COOKIE = 0xabcn;

const MACS = ['02:00:00:00:00:01', '02:00:00:00:00:02'];
const IPS = ['10.0.0.1', '10.0.0.2'];

/** Every match the generators can produce, each with its own priority slot. */
export const MATCHES: Match[] = (() => {
  const out: Match[] = [];
  for (const inPort of [undefined, 1, 2, 3]) {
    for (const ethSrc of [undefined, ...MACS]) {
      for (const ip of [undefined, ...IPS]) {
        const m: Match = {};
        if (inPort !== undefined) m.inPort = inPort;
        if (ethSrc !== undefined) m.ethSrc = ethSrc;
        if (ip !== undefined) {
          m.ethType = 0x0800;
          m.ipv4Dst = ip;
        }
        out.push(m);
      }
    }
  }
  return out;
})();

/** Every packet of the space. */
export const PACKETS: Packet[] = (() => {
  const out: Packet[] = [];
  const mac = (s: string) => BigInt('0x' + s.replace(/:/g, ''));
  const ip = (s: string) => s.split('.').reduce((a, o) => (a << 8n) | BigInt(o), 0n);
  for (const inPort of [1, 2, 3]) {
    for (const src of [...MACS, '02:00:00:00:00:09']) {
      out.push({ inPort: BigInt(inPort), ethSrc: mac(src), ethType: 0x86ddn });
      for (const dst of [...IPS, '10.0.0.3']) out.push({ inPort: BigInt(inPort), ethSrc: mac(src), ethType: 0x0800n, ipv4Dst: ip(dst) });
    }
  }
  return out;
})();

const action = fc.constantFrom<Instruction[]>(
  [],
  [{ type: 'applyActions', actions: [] }],
  [{ type: 'applyActions', actions: [{ type: 'output', port: 1 }] }],
  [{ type: 'applyActions', actions: [{ type: 'output', port: 2 }] }],
  [{ type: 'applyActions', actions: [{ type: 'setDlSrc', mac: '02:00:00:00:00:AA' }, { type: 'output', port: 3 }] }],
);

export function flowArb(tables: number[] = [0], cookies: bigint[] = [OURS, OURS | 1n]): fc.Arbitrary<DesiredFlow> {
  return fc
    .record({
      m: fc.integer({ min: 0, max: MATCHES.length - 1 }),
      level: fc.integer({ min: 0, max: 3 }),
      tableId: fc.constantFrom(...tables),
      instructions: action,
      cookie: fc.constantFrom(...cookies),
    })
    .map(({ m, level, tableId, instructions, cookie }) => ({
      stage: 'generated',
      tableId,
      priority: 1 + level * 100 + m,
      match: MATCHES[m]!,
      instructions,
      cookie,
    }));
}

/** A flow set with at most one flow per (table, priority, match). */
export function tableArb(tables: number[] = [0], cookies?: bigint[]): fc.Arbitrary<DesiredFlow[]> {
  return fc.uniqueArray(flowArb(tables, cookies), {
    selector: (f) => `${f.tableId}/${f.priority}`,
    maxLength: 24,
  });
}
