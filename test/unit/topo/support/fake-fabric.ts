// Discovery over fake cables: a probe sent out of one end of a cable comes in
// at the other, on a manual clock in 100 ms steps.
import { Discovery } from '../../../../src/topo/discovery.js';
import { type PortInfo, type ProbeToSend } from '../../../../src/topo/discovery-types.js';
import type { TopologySnapshot } from '../../../../src/topo/types.js';

export const secret = Buffer.from('discovery-secret');

/** Ports numbered as given, named pN, up. */
export function ports(...nos: number[]): PortInfo[] {
  return nos.map((n) => ({ portNo: n, name: `p${n}`, up: true }));
}

/** The snapshot's links as "1:2-2:1" (last dpid digit, port number). */
export function linkList(snap: TopologySnapshot): string[] {
  return snap.links.map((l) => `${l.a.dpid.slice(-1)}:${l.a.portNo}-${l.b.dpid.slice(-1)}:${l.b.portNo}`);
}

/** Cables between switch ports; a probe sent out of one end comes in at the other. */
export class FakeFabric {
  readonly now = { t: 1_000_000 };
  private readonly cables = new Map<string, [string, number]>();
  readonly disc: Discovery;

  constructor(opts: Partial<ConstructorParameters<typeof Discovery>[0]> = {}) {
    this.disc = new Discovery({ secret, now: () => this.now.t, random: () => 0.5, intervalMs: 1000, ...opts });
  }
  cable(a: string, ap: number, b: string, bp: number): void {
    this.cables.set(`${a}/${ap}`, [b, bp]);
    this.cables.set(`${b}/${bp}`, [a, ap]);
  }
  cut(a: string, ap: number): void {
    const peer = this.cables.get(`${a}/${ap}`);
    this.cables.delete(`${a}/${ap}`);
    if (peer) this.cables.delete(`${peer[0]}/${peer[1]}`);
  }
  /** Advance time in 100 ms steps, delivering every probe over its cable. */
  run(ms: number, sent: ProbeToSend[] = []): void {
    for (let t = 0; t < ms; t += 100) {
      this.now.t += 100;
      for (const p of this.disc.tick()) {
        sent.push(p);
        const peer = this.cables.get(`${p.dpid}/${p.portNo}`);
        if (peer) this.disc.receive({ dpid: peer[0], inPort: peer[1], frame: p.frame });
      }
    }
  }
}

