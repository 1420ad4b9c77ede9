import { expect } from 'chai';
import fc from 'fast-check';
import { OFP10_VERSION, OFP13_VERSION, Port, type OfVersion } from '../../../src/openflow/wire-values.js';
import { diffFlows, leanFlow, type InstalledFlow } from '../../../src/reconcile/diff.js';
import { DEFAULT_COOKIE_SPACE, type DesiredFlow } from '../../../src/reconcile/ports.js';
import { FakeSwitch } from '../../support/fakeswitch.js';
import { FOREIGN_COOKIE, OURS, PACKETS, tableArb } from './flowgen.js';

const cookies = DEFAULT_COOKIE_SPACE;

async function installed(sw: FakeSwitch) {
  const r = await sw.readFlows();
  if (!r.ok) throw new Error('read failed');
  return r.flows;
}

function seed(sw: FakeSwitch, flows: DesiredFlow[]): void {
  for (const f of flows) sw.install(f);
}

const VERSIONS: OfVersion[] = [OFP10_VERSION, OFP13_VERSION];

describe('reconcile/diff', () => {
  for (const version of VERSIONS) {
    const vname = version === OFP10_VERSION ? 'OF1.0' : 'OF1.3';
    describe(vname, () => {
      it('plans nothing when the switch already reports the desired flows, whatever its quirks', async () => {
        const desired: DesiredFlow[] = [
          { stage: 'ingress', tableId: 0, priority: 100, match: { inPort: 1, ethSrc: 'AA:BB:CC:DD:EE:01' }, instructions: [{ type: 'applyActions', actions: [{ type: 'setDlDst', mac: '02:00:00:00:00:0A' }, { type: 'output', port: 2 }] }], cookie: OURS | 1n },
          { stage: 'arp', tableId: 0, priority: 90, match: { ethType: 0x0806, arpOp: 1, arpTpa: { value: '10.0.0.77', mask: '255.255.255.0' } }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }], cookie: OURS | 2n },
          { stage: 'drop', tableId: 0, priority: 0, match: {}, instructions: [{ type: 'applyActions', actions: [] }], cookie: OURS },
          { stage: 'ip', tableId: 0, priority: 50, match: { ethType: 0x0800, ipv4Src: { value: '10.1.0.0', mask: '255.255.0.0' }, ethDst: { value: '02:00:00:00:00:01', mask: 'ff:ff:ff:ff:ff:ff' } }, instructions: [{ type: 'applyActions', actions: [{ type: 'stripVlan' }, { type: 'output', port: 4 }] }], cookie: OURS },
        ];
        const sw = new FakeSwitch('0000000000000001', version);
        seed(sw, desired);
        const plan = diffFlows(desired, await installed(sw), { version, cookies });
        expect(plan.changes).to.deep.equal([]);
      });

      it('adds what is missing, modifies in place what changed, deletes strictly what is extra', async () => {
        const a: DesiredFlow = { stage: 's', tableId: 0, priority: 10, match: { inPort: 1 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 2 }] }], cookie: OURS };
        const b: DesiredFlow = { ...a, priority: 20, match: { inPort: 2 } };
        const c: DesiredFlow = { ...a, priority: 30, match: { inPort: 3 } };
        const sw = new FakeSwitch('0000000000000001', version);
        seed(sw, [b, c]);
        const bChanged = { ...b, instructions: [{ type: 'applyActions' as const, actions: [{ type: 'output' as const, port: 9 }] }] };
        const plan = diffFlows([a, bChanged], await installed(sw), { version, cookies });
        expect(plan.changes.map((ch) => [ch.kind, ch.command.command, ch.flow.priority])).to.deep.equal([
          ['add', 'add', 10],
          ['modify', 'modifyStrict', 20],
          ['delete', 'deleteStrict', 30],
        ]);
        const del = plan.changes[2]!.command;
        if (version === OFP13_VERSION) expect([del.cookie, del.cookieMask]).to.deep.equal([OURS, 0xffffffffffffffffn]);
        else expect(del.cookieMask).to.equal(0n);
      });

      it('changes a cookie in place: modify-strict on OF1.0, add (replace) on OF1.3', async () => {
        const a: DesiredFlow = { stage: 's', tableId: 0, priority: 10, match: { inPort: 1 }, instructions: [], cookie: OURS };
        const sw = new FakeSwitch('0000000000000001', version);
        seed(sw, [a]);
        const plan = diffFlows([{ ...a, cookie: OURS | 5n }], await installed(sw), { version, cookies });
        expect(plan.changes).to.have.length(1);
        expect(plan.changes[0]!.command.command).to.equal(version === OFP10_VERSION ? 'modifyStrict' : 'add');
        await sw.apply(plan.changes.map((c) => c.command), { atomic: false });
        expect(sw.table().map((f) => f.cookie)).to.deep.equal([OURS | 5n]);
      });

      it('never touches a flow without Spotlight\'s cookie, and reports a slot it holds', async () => {
        const foreign: DesiredFlow = { stage: 'x', tableId: 0, priority: 10, match: { inPort: 1 }, instructions: [], cookie: FOREIGN_COOKIE };
        const other: DesiredFlow = { ...foreign, priority: 11 };
        const sw = new FakeSwitch('0000000000000001', version);
        seed(sw, [foreign, other]);
        const wanted: DesiredFlow = { ...foreign, cookie: OURS, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 2 }] }] };
        const plan = diffFlows([wanted], await installed(sw), { version, cookies });
        expect(plan.changes).to.deep.equal([]);
        expect(plan.conflicts.map((c) => c.foreignCookie)).to.deep.equal([FOREIGN_COOKIE]);
      });

      it('converges from any starting table, leaves foreign flows alone, and then plans nothing', async () => {
        await fc.assert(
          fc.asyncProperty(tableArb([0], [OURS, OURS | 1n, FOREIGN_COOKIE]), tableArb([0]), async (start, desiredRaw) => {
            const sw = new FakeSwitch('0000000000000001', version);
            seed(sw, start);
            const foreignBefore = sw.table().filter((f) => f.cookie === FOREIGN_COOKIE).map((f) => `${f.priority}/${f.serial}`);
            const plan = diffFlows(desiredRaw, await installed(sw), { version, cookies });
            const r = await sw.apply(plan.changes.map((c) => c.command), { atomic: false });
            expect(r).to.deep.equal({ ok: true, errors: [] });
            const foreignAfter = sw.table().filter((f) => f.cookie === FOREIGN_COOKIE).map((f) => `${f.priority}/${f.serial}`);
            expect(foreignAfter).to.deep.equal(foreignBefore);
            const again = diffFlows(desiredRaw, await installed(sw), { version, cookies });
            expect(again.changes).to.deep.equal([]);
            // Every desired flow is there unless a foreign one holds its slot.
            const conflictKeys = new Set(plan.conflicts.map((c) => c.key));
            const ours = sw.table().filter((f) => f.cookie !== FOREIGN_COOKIE);
            expect(ours.length).to.equal(desiredRaw.length - conflictKeys.size);
          }),
          { numRuns: 150 },
        );
      });

      it('orders flow-mods so that no packet meets a state that is neither the old nor the new one', async () => {
        await fc.assert(
          fc.asyncProperty(tableArb([0]), tableArb([0]), async (oldFlows, newFlows) => {
            const sw = new FakeSwitch('0000000000000001', version);
            seed(sw, oldFlows);
            const target = new FakeSwitch('0000000000000002', version);
            seed(target, newFlows);
            const before = PACKETS.map((p) => sw.walk(p));
            const after = PACKETS.map((p) => target.walk(p));
            const plan = diffFlows(newFlows, await installed(sw), { version, cookies });
            let steps = 0;
            sw.onStep = (s) => {
              steps++;
              PACKETS.forEach((p, i) => {
                const now = s.walk(p);
                if (now !== before[i] && now !== after[i]) {
                  throw new Error(`step ${steps}: packet ${i} meets ${now}, old ${before[i]}, new ${after[i]}`);
                }
              });
            };
            await sw.apply(plan.changes.map((c) => c.command), { atomic: false });
            expect(PACKETS.map((p) => sw.walk(p))).to.deep.equal(after);
          }),
          { numRuns: 300 },
        );
      });
    });
  }

  it('puts adds before modifies before deletes, downstream tables first for adds, upstream first for deletes', () => {
    const f = (tableId: number, priority: number, port: number): DesiredFlow => ({ stage: 's', tableId, priority, match: { inPort: port }, instructions: [], cookie: OURS });
    const installedFlows = [f(0, 5, 1), f(1, 5, 1), f(1, 7, 2), { ...f(0, 9, 3), instructions: [{ type: 'gotoTable' as const, tableId: 1 }] }];
    const desired = [f(0, 8, 4), f(1, 8, 4), f(0, 9, 3), f(1, 3, 9)];
    const plan = diffFlows(desired, installedFlows, { version: OFP13_VERSION, cookies });
    expect(plan.changes.map((c) => `${c.kind}:t${c.flow.tableId}:p${c.flow.priority}`)).to.deep.equal([
      'add:t1:p8',
      'add:t1:p3',
      'add:t0:p8',
      'modify:t0:p9',
      'delete:t0:p5',
      'delete:t1:p5',
      'delete:t1:p7',
    ]);
  });

  it('reports duplicates and malformed desired flows instead of sending them', () => {
    const a: DesiredFlow = { stage: 's', tableId: 0, priority: 10, match: { ethSrc: 'AA:00:00:00:00:01' }, instructions: [], cookie: OURS };
    const dup: DesiredFlow = { ...a, match: { ethSrc: 'aa:00:00:00:00:01' }, stage: 'dup' };
    const bad: DesiredFlow = { ...a, match: { ethSrc: 'zz' }, stage: 'bad' };
    const plan = diffFlows([a, dup, bad], [], { version: OFP13_VERSION, cookies });
    expect(plan.changes).to.have.length(1);
    expect(plan.duplicates).to.have.length(1);
    expect(plan.invalid.map((d) => d.flow.stage)).to.deep.equal(['bad']);
  });

  describe('leanFlow: a flow as read, kept lean', () => {
    const known: InstalledFlow = { tableId: 1, priority: 100, match: { inPort: 1 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 2 }] }], cookie: OURS };
    const read = (over: Partial<InstalledFlow> = {}) => ({ ...known, match: { inPort: 1 }, instructions: [{ type: 'applyActions' as const, actions: [{ type: 'output' as const, port: 2 }] }], durationSec: 7, durationNsec: 0, idleTimeout: 0, hardTimeout: 0, flags: 0, packetCount: 12n, byteCount: 900n, ...over });

    it('is the known flow where the read one is the same (the read copy is not kept)', () => {
      expect(leanFlow(read(), known)).to.equal(known);
    });

    it('keeps only the compared fields of a flow that differs from the known one, or that nobody knows', () => {
      for (const [now, k] of [
        [read({ cookie: OURS | 5n }), known],
        [read({ instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 3 }] }] }), known],
        [read({ tableId: 0 }), known],
        [read(), undefined],
      ] as const) {
        const lean = leanFlow(now, k);
        expect(lean).to.not.equal(k);
        expect(Object.keys(lean).sort()).to.deep.equal(['cookie', 'instructions', 'match', 'priority', 'tableId']);
        expect(lean).to.deep.equal({ tableId: now.tableId, priority: now.priority, match: now.match, instructions: now.instructions, cookie: now.cookie });
      }
    });
  });
});
