import { expect } from 'chai';
import { Discovery } from '../../../src/topo/discovery.js';
import { type ProbeToSend } from '../../../src/topo/discovery-types.js';
import { buildProbe } from '../../../src/topo/lldp.js';
import type { TopologyEvent } from '../../../src/topo/types.js';
import { parseDescription } from '../../../src/topo/description.js';
import { FakeFabric, linkList, ports, secret } from './support/fake-fabric.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';
const S3 = '0000000000000003';

describe('topo/discovery', () => {
  it('finds the cabled links of a ring, once each, within 2 intervals', () => {
    const f = new FakeFabric();
    f.cable(S1, 1, S2, 1);
    f.cable(S2, 2, S3, 1);
    f.cable(S3, 2, S1, 2);
    f.disc.switchConnected(S1, ports(1, 2, 3));
    f.disc.switchConnected(S2, ports(1, 2, 3));
    f.disc.switchConnected(S3, ports(1, 2, 3));
    f.run(2000);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1', '1:2-3:2', '2:2-3:1']);
    const s1 = f.disc.snapshot().switches.get(S1)!;
    expect(s1.ports.get(1)!.kind).to.equal('fabric');
    expect(s1.ports.get(3)!.kind).to.equal('access');
  });

  it('sends one probe per up port per interval, spread by the random source', () => {
    let r = 0;
    const f = new FakeFabric({ random: () => (r = (r + 0.37) % 1) });
    f.disc.switchConnected(S1, [...ports(1, 2, 3, 4), { portNo: 0xfffffffe, name: 'br', up: true }, { portNo: 5, name: 'p5', up: false }]);
    const sent: ProbeToSend[] = [];
    f.run(5000, sent);
    const perPort = new Map<number, number>();
    for (const p of sent) perPort.set(p.portNo, (perPort.get(p.portNo) ?? 0) + 1);
    expect([...perPort.keys()].sort()).to.deep.equal([1, 2, 3, 4]);
    for (const n of perPort.values()) expect(n).to.be.within(4, 5);
    expect(f.disc.counters.sent).to.equal(sent.length);
  });

  it('ages a link out when its probes stop, after the configured intervals', () => {
    const f = new FakeFabric({ ageIntervals: 3 });
    f.cable(S1, 1, S2, 1);
    f.disc.switchConnected(S1, ports(1));
    f.disc.switchConnected(S2, ports(1));
    f.run(1500);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
    // Probes are lost from now on (a switch that drops them), but ports stay up.
    f.cut(S1, 1);
    f.run(2500);
    expect(linkList(f.disc.snapshot())).to.have.length(1);
    f.run(1500);
    expect(linkList(f.disc.snapshot())).to.deep.equal([]);
  });

  it('keeps to the probe rate on a fabric with more ports than it allows per interval, and ages links over the longer rounds', () => {
    // 40 switches of 25 up ports: 1,000 probed ports at one per second would be 1,000 probes a second; 200 are allowed.
    let r = 0;
    const f = new FakeFabric({ maxProbesPerSecond: 200, ageIntervals: 3, random: () => (r = (r + 0.37) % 1) });
    const ids = Array.from({ length: 40 }, (_, i) => (i + 1).toString(16).padStart(16, '0'));
    f.cable(ids[0]!, 1, ids[1]!, 1);
    for (const d of ids) f.disc.switchConnected(d, ports(...Array.from({ length: 25 }, (_, k) => k + 1)));
    expect(f.disc.roundMs).to.equal(5000);
    f.run(1000);
    expect(linkList(f.disc.snapshot()), 'the first probe of each port goes out at once').to.deep.equal(['1:1-2:1']);
    const sent: ProbeToSend[] = [];
    f.run(20_000, sent);
    expect(sent.length / 20, 'probes a second').to.be.within(190, 210);
    // Probes lost from now on: the link goes after 3 rounds of 5 s, not 3 intervals of 1 s.
    f.cut(ids[0]!, 1);
    f.run(10_000);
    expect(linkList(f.disc.snapshot())).to.have.length(1);
    f.run(6000);
    expect(linkList(f.disc.snapshot())).to.deep.equal([]);
  });

  it('removes a link at once when a port goes down or a switch disconnects', () => {
    const f = new FakeFabric();
    f.cable(S1, 1, S2, 1);
    f.cable(S2, 2, S3, 1);
    f.disc.switchConnected(S1, ports(1));
    f.disc.switchConnected(S2, ports(1, 2));
    f.disc.switchConnected(S3, ports(1));
    f.run(1500);
    expect(linkList(f.disc.snapshot())).to.have.length(2);
    const v = f.disc.version;
    f.disc.portStatus(S2, { portNo: 1, name: 'p1', up: false }, 'modify');
    expect(linkList(f.disc.snapshot())).to.deep.equal(['2:2-3:1']);
    expect(f.disc.version).to.be.greaterThan(v);
    f.disc.switchDisconnected(S3);
    expect(linkList(f.disc.snapshot())).to.deep.equal([]);
    expect(f.disc.snapshot().switches.get(S3)!.connected).to.equal(false);
    // The port comes back: the link is found again.
    f.disc.portStatus(S2, { portNo: 1, name: 'p1', up: true }, 'modify');
    f.run(1500);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
    f.disc.portStatus(S1, { portNo: 1, name: 'p1', up: true }, 'delete');
    expect(linkList(f.disc.snapshot())).to.deep.equal([]);
  });

  it('emits a change with a new version only when the topology changes', () => {
    const f = new FakeFabric();
    const seen: number[] = [];
    f.disc.onChange((s) => seen.push(s.version));
    f.cable(S1, 1, S2, 1);
    f.disc.switchConnected(S1, ports(1));
    f.disc.switchConnected(S2, ports(1));
    f.run(5000);
    // Two connects and one new link; refreshing the link changes nothing.
    expect(seen).to.deep.equal([1, 2, 3]);
    f.disc.portStatus(S1, { portNo: 1, name: 'p1', up: true }, 'modify');
    expect(seen).to.have.length(3);
  });

  it('tells listeners what changed, and shares everything else with the previous snapshot', () => {
    const f = new FakeFabric();
    f.cable(S1, 1, S2, 1);
    f.disc.switchConnected(S1, ports(1, 2));
    f.disc.switchConnected(S2, ports(1));
    f.run(1500);
    const events: TopologyEvent[][] = [];
    f.disc.onChange((_s, ev) => events.push([...ev]));
    const before = f.disc.snapshot();
    expect(f.disc.snapshot()).to.equal(before);
    // A tap port appears on S1: that port, nothing else; S2 and the links are shared.
    f.disc.portStatus(S1, { portNo: 7, name: 'vnet7', up: true }, 'add');
    expect(events).to.deep.equal([[{ kind: 'port', dpid: S1, portNo: 7 }]]);
    const after = f.disc.snapshot();
    expect(after.version).to.equal(before.version + 1);
    expect(after.switches.get(S2)).to.equal(before.switches.get(S2));
    expect(after.switches.get(S1)!.ports.get(1)).to.equal(before.switches.get(S1)!.ports.get(1));
    expect(after.links).to.equal(before.links);
    expect(before.switches.get(S1)!.ports.has(7)).to.equal(false);
    // The fabric port goes down: the port and its link.
    f.disc.portStatus(S2, { portNo: 1, name: 'p1', up: false }, 'modify');
    expect(events[1]).to.deep.equal([
      { kind: 'port', dpid: S2, portNo: 1 },
      { kind: 'link', link: { a: { dpid: S1, portNo: 1 }, b: { dpid: S2, portNo: 1 } }, present: false },
    ]);
    // S2 leaves: the switch and its port (already down, but no longer a fabric port: its kind changed earlier).
    f.disc.switchDisconnected(S2);
    expect(events[2]).to.deep.equal([{ kind: 'switch', dpid: S2 }]);
    // The same port status again changes nothing and tells no one.
    f.disc.portStatus(S1, { portNo: 7, name: 'vnet7', up: true }, 'modify');
    expect(events).to.have.length(3);
  });

  it('drops and counts a forged probe (wrong key) and a frame that is not a probe', () => {
    const f = new FakeFabric();
    f.disc.switchConnected(S1, ports(1, 2));
    f.disc.switchConnected(S2, ports(1, 2));
    const forged = buildProbe({ dpid: S1, portNo: 1, timestamp: f.now.t, secret: Buffer.from('guessed') });
    expect(f.disc.receive({ dpid: S2, inPort: 2, frame: forged })).to.deep.equal({ accepted: false, reason: 'forged' });
    expect(f.disc.receive({ dpid: S2, inPort: 2, frame: Buffer.from('0180c2', 'hex') })).to.deep.equal({ accepted: false, reason: 'malformed' });
    expect(f.disc.counters.forged).to.equal(1);
    expect(f.disc.counters.malformed).to.equal(1);
    expect(f.disc.snapshot().links).to.deep.equal([]);
  });

  it('drops and counts replays: too old, older than the last accepted, and the same probe at another ingress', () => {
    const f = new FakeFabric({ maxProbeAgeMs: 1000 });
    f.cable(S1, 1, S2, 1);
    f.disc.switchConnected(S1, ports(1, 2, 3));
    f.disc.switchConnected(S2, ports(1, 2, 3));
    const captured: ProbeToSend[] = [];
    f.run(1200, captured);
    const fromS1 = captured.filter((p) => p.dpid === S1 && p.portNo === 1);
    expect(fromS1.length).to.be.greaterThan(0);
    const firstS1 = fromS1[0]!;
    const lastS1 = fromS1[fromS1.length - 1]!;
    const before = linkList(f.disc.snapshot());
    expect(before).to.deep.equal(['1:1-2:1']);

    // The genuine probe again at its own ingress: a harmless duplicate.
    expect(f.disc.receive({ dpid: S2, inPort: 1, frame: lastS1.frame })).to.deep.equal({ accepted: false, reason: 'duplicate' });
    // The same probe, replayed by a host on another port: refused.
    expect(f.disc.receive({ dpid: S2, inPort: 3, frame: lastS1.frame })).to.deep.equal({ accepted: false, reason: 'replayed' });
    // Reflected straight back in on the port that sent it.
    expect(f.disc.receive({ dpid: S1, inPort: 1, frame: lastS1.frame })).to.deep.equal({ accepted: false, reason: 'reflected' });
    // Much later, the captured probe is too old.
    f.run(1500);
    expect(f.disc.receive({ dpid: S1, inPort: 3, frame: firstS1.frame })).to.deep.equal({ accepted: false, reason: 'stale' });
    expect(f.disc.counters).to.include({ duplicate: 1, replayed: 1, reflected: 1, stale: 1 });
    expect(linkList(f.disc.snapshot())).to.deep.equal(before);
  });

  it('refuses a fresh probe older than the last one accepted from its source', () => {
    const f = new FakeFabric({ maxProbeAgeMs: 5000 });
    f.disc.switchConnected(S1, ports(1));
    f.disc.switchConnected(S2, ports(1, 2));
    const older = buildProbe({ dpid: S1, portNo: 1, timestamp: f.now.t - 200, secret });
    const newer = buildProbe({ dpid: S1, portNo: 1, timestamp: f.now.t - 100, secret });
    const back = buildProbe({ dpid: S2, portNo: 1, timestamp: f.now.t - 100, secret });
    expect(f.disc.receive({ dpid: S2, inPort: 1, frame: newer }).accepted).to.equal(true);
    expect(f.disc.receive({ dpid: S1, inPort: 1, frame: back }).accepted).to.equal(true);
    expect(f.disc.receive({ dpid: S2, inPort: 2, frame: older })).to.deep.equal({ accepted: false, reason: 'replayed' });
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
  });

  it('moves a link when a cable is moved to another port', () => {
    const f = new FakeFabric();
    f.cable(S1, 1, S2, 1);
    f.disc.switchConnected(S1, ports(1, 2));
    f.disc.switchConnected(S2, ports(1, 2));
    f.run(1500);
    f.cut(S1, 1);
    f.cable(S1, 1, S2, 2);
    f.run(1500);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:2']);
  });

  it('with a description: probes only fabric ports, refuses probes arriving on access ports', () => {
    const d = parseDescription(`
switches:
  - {name: s1, dpid: 1, role: edge}
  - {name: s2, dpid: 2, role: aggregation}
links:
  - [s1:1, "s2:p1"]
`);
    expect(d.ok).to.equal(true);
    if (!d.ok) return;
    const f = new FakeFabric({ description: d.description });
    f.cable(S1, 1, S2, 1);
    f.disc.switchConnected(S1, ports(1, 2));
    f.disc.switchConnected(S2, ports(1, 2));
    const sent: ProbeToSend[] = [];
    f.run(1500, sent);
    expect(new Set(sent.map((p) => `${p.dpid.slice(-1)}:${p.portNo}`))).to.deep.equal(new Set(['1:1', '2:1']));
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
    const s1 = f.disc.snapshot().switches.get(S1)!;
    expect(s1.name).to.equal('s1');
    expect(s1.ports.get(2)!.kind).to.equal('access');
    // A host on s1 port 2 relays a fresh genuine probe: refused, the port is access.
    const fresh = buildProbe({ dpid: S2, portNo: 1, timestamp: f.now.t, secret });
    expect(f.disc.receive({ dpid: S1, inPort: 2, frame: fresh })).to.deep.equal({ accepted: false, reason: 'access-port' });
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
  });

  it('ignores probes from or to unknown switches and down ports', () => {
    const f = new FakeFabric();
    f.disc.switchConnected(S1, [{ portNo: 1, name: 'p1', up: false }]);
    const p = buildProbe({ dpid: S3, portNo: 1, timestamp: f.now.t, secret });
    expect(f.disc.receive({ dpid: S1, inPort: 1, frame: p })).to.deep.equal({ accepted: false, reason: 'unknown-port' });
    expect(f.disc.receive({ dpid: S2, inPort: 1, frame: p })).to.deep.equal({ accepted: false, reason: 'unknown-port' });
  });

  it('refuses a probe dated in the future and copes with a fractional clock', () => {
    const clock = { t: 2_000_000.75 };
    const d = new Discovery({ secret, now: () => clock.t, random: () => 0, maxFutureMs: 500 });
    d.switchConnected(S1, ports(1));
    d.switchConnected(S2, ports(1));
    const probes = d.tick();
    expect(probes).to.have.length(2);
    const ahead = buildProbe({ dpid: S1, portNo: 1, timestamp: 2_000_000 + 600, secret });
    expect(d.receive({ dpid: S2, inPort: 1, frame: ahead })).to.deep.equal({ accepted: false, reason: 'stale' });
    expect(d.receive({ dpid: S2, inPort: 1, frame: probes[0]!.frame }).accepted).to.equal(true);
  });

  it('uses a cable only once probes crossed it both ways, and drops it when one way falls silent', () => {
    const f = new FakeFabric();
    f.disc.switchConnected(S1, ports(1));
    f.disc.switchConnected(S2, ports(1));
    const oneWay = () => {
      // Only S1's probes reach S2 (a cable that transmits one way).
      f.now.t += 100;
      for (const p of f.disc.tick()) if (p.dpid === S1) f.disc.receive({ dpid: S2, inPort: 1, frame: p.frame });
    };
    for (let i = 0; i < 30; i++) oneWay();
    expect(f.disc.snapshot().links).to.deep.equal([]);
    expect(f.disc.counters.accepted).to.be.greaterThan(0);
    f.cable(S1, 1, S2, 1);
    f.run(1500);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
    // The S2 -> S1 direction fails: the link goes after the ageing time although S1's probes still arrive.
    for (let i = 0; i < 25; i++) oneWay();
    expect(linkList(f.disc.snapshot())).to.have.length(1);
    for (let i = 0; i < 15; i++) oneWay();
    expect(linkList(f.disc.snapshot())).to.deep.equal([]);
  });

  it('probes back at once when the first probe of a cable arrives, so a late switch is linked quickly', () => {
    const f = new FakeFabric();
    f.cable(S1, 1, S2, 1);
    f.disc.switchConnected(S1, ports(1));
    f.run(2300);
    f.disc.switchConnected(S2, ports(1));
    // S2's first probe goes out within the spread window; S1 answers on the next tick, not a whole interval later.
    f.run(400);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
  });
});
