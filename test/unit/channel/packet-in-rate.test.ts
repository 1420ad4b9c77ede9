// PACKET_IN admission is fair per input port (src/channel/README.md, "Policies
// for misbehaving peers"): a flooding port is limited while other ports still
// get through, the switch-wide bound holds, and state stays bounded.
import { expect } from 'chai';
import type { OpenFlowServer, SwitchConnection } from '../../../src/channel/index.js';
import { PortFairLimiter, type WindowDrops } from '../../../src/channel/rate.js';
import { FakeClock } from '../../support/fakeclock.js';
import { FakeSwitch, port } from './support/fake-switch.js';
import { nextEvent, startServer } from './support/harness.js';
import { until } from '../../support/wait.js';

function limiter(perSecond: number, ports: number, slack = 2, drops: WindowDrops[] = []): { clock: FakeClock; lim: PortFairLimiter } {
  const clock = new FakeClock();
  const lim = new PortFairLimiter({ clock, perSecond, portCount: () => ports, slack, onWindowDropped: (d) => drops.push(d) });
  return { clock, lim };
}

function admitted(lim: PortFairLimiter, inPort: number, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (lim.admit(inPort)) ok++;
  return ok;
}

describe('channel: PACKET_IN limit fair per input port', () => {
  it('a port flooding far above the budget is limited; another port in the same window still gets through', () => {
    const { lim } = limiter(1000, 4);
    const flood = admitted(lim, 1, 100_000);
    expect(flood).to.be.lessThan(1000);
    expect(flood).to.be.greaterThan(0);
    // Probes on the fabric ports, after the flood used all it could.
    expect(admitted(lim, 2, 3)).to.equal(3);
    expect(admitted(lim, 3, 3)).to.equal(3);
    expect(lim.dropped).to.equal(100_000 - flood);
    expect(lim.droppedByPort.get(1)).to.equal(100_000 - flood);
    expect(lim.droppedByPort.has(2)).to.equal(false);
  });

  it('no port takes more than the per-port ceiling a window, even with the pool unused', () => {
    const clock = new FakeClock();
    const lim = new PortFairLimiter({ clock, perSecond: 2000, perPort: 100, portCount: () => 4, slack: 2 });
    expect(admitted(lim, 1, 10_000)).to.equal(100);
    expect(admitted(lim, 2, 50)).to.equal(50);
    clock.advance(1000);
    expect(admitted(lim, 1, 10_000)).to.equal(100);
  });

  it('every port keeps its share while several ports flood at once', () => {
    const { lim } = limiter(600, 4, 2);
    // Interleaved floods from ports 1..3, then a quiet port.
    const got = new Map<number, number>();
    for (let i = 0; i < 30_000; i++) {
      const p = 1 + (i % 3);
      if (lim.admit(p)) got.set(p, (got.get(p) ?? 0) + 1);
    }
    const share = Math.floor(600 / 2 / 6);
    for (const p of [1, 2, 3]) expect(got.get(p)).to.be.at.least(share);
    expect(admitted(lim, 4, share)).to.equal(share);
  });

  it('the switch-wide bound holds in every window, whatever the mix of ports', () => {
    const drops: WindowDrops[] = [];
    const { clock, lim } = limiter(500, 10, 4, drops);
    for (let w = 0; w < 5; w++) {
      let ok = 0;
      for (let i = 0; i < 20_000; i++) if (lim.admit((i * 7919) % 40)) ok++;
      expect(ok, `window ${w}`).to.be.at.most(500);
      expect(ok, `window ${w}`).to.be.greaterThan(250);
      clock.advance(1000);
    }
    lim.admit(1); // opens a window, which reports the last one
    expect(drops).to.have.length(5);
    for (const d of drops) expect(d.dropped).to.be.at.least(20_000 - 500);
  });

  it('a new window gives the flooding port its budget back and forgets idle ports', () => {
    const { clock, lim } = limiter(100, 2, 2);
    const first = admitted(lim, 1, 1000);
    admitted(lim, 2, 1);
    expect(lim.bucketCount).to.equal(2);
    clock.advance(999);
    expect(admitted(lim, 1, 10)).to.equal(0);
    clock.advance(1);
    expect(admitted(lim, 1, 1000)).to.equal(first);
    expect(lim.bucketCount).to.equal(1);
  });

  it('bucket and drop-counter tables stay bounded with packet-ins from 100,000 distinct port numbers', () => {
    const { clock, lim } = limiter(2000, 48, 8);
    let ok = 0;
    let maxBuckets = 0;
    for (let i = 0; i < 100_000; i++) {
      if (lim.admit(1_000_000 + i)) ok++;
      maxBuckets = Math.max(maxBuckets, lim.bucketCount);
      if (i % 25_000 === 24_999) clock.advance(1000);
    }
    expect(maxBuckets).to.equal(56);
    expect(lim.droppedByPort.size).to.be.at.most(56);
    expect(ok).to.be.at.most(4 * 2000);
    // Nothing is lost from the totals when per-port counters are folded away.
    let perPort = 0;
    for (const n of lim.droppedByPort.values()) perPort += n;
    expect(perPort + lim.otherPortsDropped).to.equal(lim.dropped);
    expect(lim.dropped).to.equal(100_000 - ok);
    // A port of the switch still has its share after all that.
    expect(lim.admit(1)).to.equal(true);
  });
});

// Wire layouts written out by hand from the OpenFlow 1.0 and 1.3 specs, not by our encoder.
function packetIn10(inPort: number, xid: number): Buffer {
  const data = Buffer.alloc(60, 0xab);
  const b = Buffer.alloc(18 + data.length);
  b.writeUInt8(0x01, 0); // OFP_VERSION 1.0
  b.writeUInt8(10, 1); // OFPT_PACKET_IN
  b.writeUInt16BE(b.length, 2);
  b.writeUInt32BE(xid, 4);
  b.writeUInt32BE(0xffffffff, 8); // buffer_id: none
  b.writeUInt16BE(data.length, 12); // total_len
  b.writeUInt16BE(inPort, 14); // in_port
  b.writeUInt8(0, 16); // reason OFPR_NO_MATCH
  data.copy(b, 18);
  return b;
}

function packetIn13(inPort: number, xid: number): Buffer {
  const data = Buffer.alloc(60, 0xab);
  const b = Buffer.alloc(42 + data.length);
  b.writeUInt8(0x04, 0); // OFP_VERSION 1.3
  b.writeUInt8(10, 1); // OFPT_PACKET_IN
  b.writeUInt16BE(b.length, 2);
  b.writeUInt32BE(xid, 4);
  b.writeUInt32BE(0xffffffff, 8); // buffer_id
  b.writeUInt16BE(data.length, 12); // total_len
  b.writeUInt8(1, 14); // reason OFPR_ACTION
  b.writeUInt8(0, 15); // table_id
  b.writeBigUInt64BE(0n, 16); // cookie
  b.writeUInt16BE(1, 24); // OFPMT_OXM
  b.writeUInt16BE(12, 26); // match length without padding
  b.writeUInt32BE(0x80000004, 28); // OXM OPENFLOW_BASIC, IN_PORT, 4 bytes
  b.writeUInt32BE(inPort, 32);
  // 4 bytes pad the match to 16, then 2 bytes pad before the frame.
  data.copy(b, 42);
  return b;
}

for (const [label, bitmap, build] of [
  ['OpenFlow 1.0 (in_port in the header)', [1], packetIn10],
  ['OpenFlow 1.3 (in_port in the OXM match)', [4], packetIn13],
] as const) {
  describe(`channel: PACKET_IN fairness on a scripted switch, ${label}`, () => {
    let server: OpenFlowServer;
    let sw: FakeSwitch | undefined;

    afterEach(async () => {
      sw?.socket.destroy();
      await server.close();
    });

    it('a flood from one port does not hide a packet-in from another port sent after it', async () => {
      const clock = new FakeClock();
      let tcpPort: number;
      ({ server, port: tcpPort } = await startServer({ clock, limits: { packetInPerSecond: 100, packetInPortSlack: 2 } }));
      const seen = new Map<number, number>();
      server.on('packetIn', (ev) => seen.set(ev.message.inPort, (seen.get(ev.message.inPort) ?? 0) + 1));
      const ready = nextEvent(server, 'switchConnected');
      sw = await FakeSwitch.connect({ port: tcpPort, bitmap: [...bitmap], ports: [port(1, 'vm1'), port(2, 'fabric1'), port(3, 'fabric2')] });
      const conn: SwitchConnection = (await ready).connection;
      // The clock stands still: everything below falls in one window.
      const frames = Array.from({ length: 5000 }, (_, i) => build(1, i + 1));
      frames.push(build(2, 9001), build(3, 9002));
      sw.socket.write(Buffer.concat(frames));
      await until('every packet-in seen or dropped', () => (seen.get(2) ?? 0) + (seen.get(3) ?? 0) === 2 && (seen.get(1) ?? 0) + conn.packetInDropped === 5000, { timeoutMs: 10_000, stepMs: 5 });
      expect(seen.get(2)).to.equal(1);
      expect(seen.get(3)).to.equal(1);
      expect(seen.get(1)).to.be.at.most(98);
      expect(conn.packetInDroppedByPort.get(1)).to.equal(5000 - seen.get(1)!);
      expect([...conn.packetInDroppedByPort.keys()]).to.deep.equal([1]);
    });
  });
}
