// Hosts relaying discovery probes (an LLDP wormhole): a port with a bound VM
// interface or gateway never becomes a link end, probes never leave it, and
// with a description a cable needs a described switch at one end.
import { expect } from 'chai';
import type { ProbeToSend } from '../../../src/topo/discovery-types.js';
import { parseDescription } from '../../../src/topo/description.js';
import { buildProbe } from '../../../src/topo/lldp.js';
import type { BoundPorts, PortRefOnSwitch } from '../../../src/topo/types.js';
import { FakeFabric, linkList, ports, secret } from './support/fake-fabric.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';
const S3 = '0000000000000003';

/** A hand-set index of bound ports ("dpid/port"), port given by number or name. */
class Bindings implements BoundPorts {
  readonly keys = new Set<string>();
  isBound(dpid: string, portNo: number, name: string): boolean {
    return this.keys.has(`${dpid}/${portNo}`) || this.keys.has(`${dpid}/${name}`);
  }
  /** The tests tell discovery themselves (bindingsChanged). */
  onChange(): () => void {
    return () => undefined;
  }
  bind(dpid: string, port: number | string): PortRefOnSwitch {
    this.keys.add(`${dpid}/${port}`);
    return { dpid, port };
  }
  unbind(dpid: string, port: number | string): PortRefOnSwitch {
    this.keys.delete(`${dpid}/${port}`);
    return { dpid, port };
  }
}

/** Two switches cabled on port 1; VMs on port 3 of each relay every probe they get to the other. */
function wormhole(bound: Bindings | undefined): FakeFabric {
  const f = new FakeFabric(bound ? { boundPorts: bound } : {});
  f.cable(S1, 1, S2, 1);
  f.cable(S1, 3, S2, 3);
  f.disc.switchConnected(S1, ports(1, 2, 3));
  f.disc.switchConnected(S2, ports(1, 2, 3));
  return f;
}

describe('topo/discovery: bound ports and described cabling', () => {
  it('two VMs relaying probes between their access ports make a link when nothing says the ports are bound', () => {
    const f = wormhole(undefined);
    f.run(2000);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1', '1:3-2:3']);
    expect(f.disc.snapshot().switches.get(S1)!.ports.get(3)!.kind).to.equal('fabric');
  });

  it('the same relay between bound ports: no link, the ports stay access ports, no probe leaves them', () => {
    const b = new Bindings();
    b.bind(S1, 3);
    b.bind(S2, 'p3');
    const f = wormhole(b);
    const sent: ProbeToSend[] = [];
    f.run(3000, sent);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
    expect(f.disc.snapshot().switches.get(S1)!.ports.get(3)!.kind).to.equal('access');
    expect(f.disc.snapshot().switches.get(S2)!.ports.get(3)!.kind).to.equal('access');
    expect(sent.filter((p) => p.portNo === 3)).to.deep.equal([]);
    expect(sent.filter((p) => p.portNo === 2).length).to.be.greaterThan(0);
  });

  it('a fresh genuine probe captured elsewhere and injected on a bound port is refused as bound-port', () => {
    const b = new Bindings();
    b.bind(S2, 3);
    const f = wormhole(b);
    f.run(1500);
    const before = f.disc.counters['bound-port'];
    const fresh = buildProbe({ dpid: S1, portNo: 2, timestamp: f.now.t, secret });
    expect(f.disc.receive({ dpid: S2, inPort: 3, frame: fresh })).to.deep.equal({ accepted: false, reason: 'bound-port' });
    // And a probe from a bound port (sent before it was bound) arriving on a free one.
    const fromBound = buildProbe({ dpid: S2, portNo: 3, timestamp: f.now.t, secret });
    expect(f.disc.receive({ dpid: S1, inPort: 2, frame: fromBound })).to.deep.equal({ accepted: false, reason: 'bound-port' });
    expect(f.disc.counters['bound-port']).to.equal(before + 2);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
  });

  it('binding a VM on a port that already carries a link removes the link at once; unbinding changes nothing visible', () => {
    const b = new Bindings();
    const f = wormhole(b);
    f.run(2000);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1', '1:3-2:3']);
    const v = f.disc.version;
    f.disc.bindingsChanged([b.bind(S1, 'p3')]);
    expect(f.disc.version).to.be.greaterThan(v);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
    expect(f.disc.snapshot().switches.get(S1)!.ports.get(3)!.kind).to.equal('access');
    f.run(3000);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
    // Binding a plain access port is no fabric change: no new snapshot.
    const v2 = f.disc.version;
    f.disc.bindingsChanged([b.bind(S1, 2), b.bind(S3, 1)]);
    expect(f.disc.version).to.equal(v2);
    // The VM goes: probes cross again and the cable is a link again (a real cable there).
    f.disc.bindingsChanged([b.unbind(S1, 'p3')]);
    f.run(2000);
    expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1', '1:3-2:3']);
  });

  describe('with a described cabling', () => {
    const d = parseDescription(`
switches:
  - {name: s1, dpid: 1, role: edge}
  - {name: s2, dpid: 2, role: aggregation}
links:
  - [s1:1, s2:1]
`);
    if (!d.ok) throw new Error(d.error.message);
    const S4 = '0000000000000004';

    it('refuses a link between two switches the description does not name', () => {
      const f = new FakeFabric({ description: d.description });
      f.cable(S1, 1, S2, 1);
      f.cable(S3, 1, S4, 1);
      for (const s of [S1, S2, S3, S4]) f.disc.switchConnected(s, ports(1, 2));
      f.run(2500);
      expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
      expect(f.disc.counters.undescribed).to.be.greaterThan(0);
    });

    it('still refuses a described access port at either end, and a bound described fabric port', () => {
      const b = new Bindings();
      const f = new FakeFabric({ description: d.description, boundPorts: b });
      f.cable(S1, 1, S2, 1);
      f.cable(S1, 2, S3, 1);
      for (const s of [S1, S2, S3]) f.disc.switchConnected(s, ports(1, 2));
      f.run(2500);
      expect(linkList(f.disc.snapshot())).to.deep.equal(['1:1-2:1']);
      expect(f.disc.counters['access-port']).to.be.greaterThan(0);
      f.disc.bindingsChanged([b.bind(S2, 1)]);
      expect(linkList(f.disc.snapshot())).to.deep.equal([]);
      expect(f.disc.snapshot().switches.get(S2)!.ports.get(1)!.kind).to.equal('access');
    });
  });

  it('forgets the oldest of the disconnected switches the description does not name beyond the bound', () => {
    const f = new FakeFabric({ maxDisconnectedSwitches: 3 });
    const dp = (i: number): string => i.toString(16).padStart(16, '0');
    f.disc.switchConnected(dp(1), ports(1));
    for (let i = 100; i < 110; i++) {
      f.disc.switchConnected(dp(i), ports(1, 2));
      f.disc.switchDisconnected(dp(i));
    }
    // The snapshot's switches are in no particular order.
    const known = [...f.disc.snapshot().switches.keys()].sort();
    expect(known).to.deep.equal([dp(1), dp(107), dp(108), dp(109)]);
    // A switch that comes back is connected again, and no longer counts as away.
    f.disc.switchConnected(dp(107), ports(1));
    f.disc.switchConnected(dp(200), ports(1));
    f.disc.switchDisconnected(dp(200));
    expect([...f.disc.snapshot().switches.keys()].sort()).to.deep.equal([dp(1), dp(107), dp(108), dp(109), dp(200)]);
  });
});
