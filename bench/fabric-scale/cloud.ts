// The cloud the bench registers, shaped like bench/compile.ts's: one public
// segment shared by tenants of `tenantSize` VMs, with two gateways on the
// aggregation switches, private networks for the rest, relations between
// public VMs of different tenants. VMs are placed on edge switches at random
// (seeded, so every run and both versions get the same cloud), each behind a
// tap port named after it. A share of the VMs is held back, stopped, for the
// churn to start.
export interface CloudSpec {
  vms: number;
  networks: number;
  publicVms: number;
  tenantSize: number;
  relations: number;
  /** VMs created stopped, beyond `vms`. */
  reserve: number;
  edges: string[];
  aggregations: string[];
  seed: number;
}

export interface BenchVm {
  index: number;
  name: string;
  tenant: string;
  network: string;
  mac: string;
  ip: string;
  /** Edge switch (dpid) and tap name where it runs, or would start. */
  switch: string;
  tap: string;
  running: boolean;
  /** A move under way: do not pick it for another event. */
  busy: boolean;
}

export interface BenchNetwork {
  name: string;
  body: Record<string, unknown>;
  /** Ports the gateways need (switch dpid, port name). */
  gatewayPorts: { switch: string; port: string }[];
}

export const PUBLIC = 'public';

export class Cloud {
  readonly vms: BenchVm[] = [];
  readonly networks: BenchNetwork[] = [];
  readonly relations: { id: string; vms: [string, string] }[] = [];
  /** VMs that may reach each other without a relation, by private network or public tenant. */
  private readonly groups = new Map<string, BenchVm[]>();
  private state: number;

  constructor(readonly spec: CloudSpec) {
    this.state = spec.seed;
    const gw = (g: number) => ({ mac: `02:ff:ff:00:00:0${g + 1}`, ips: [`100.64.0.${g + 1}`], switch: spec.aggregations[g % spec.aggregations.length]!, port: `gw${g}` });
    const gateways = [gw(0), gw(1)];
    this.networks.push({
      name: PUBLIC,
      body: { tenant: 'isp', kind: 'public', cidrs: ['100.64.0.0/16'], gateways },
      gatewayPorts: gateways.map((g) => ({ switch: g.switch, port: g.port })),
    });
    const privates = Math.max(1, spec.networks - 1);
    for (let n = 1; n <= privates; n++) {
      this.networks.push({ name: `net${n}`, body: { tenant: `t${n}`, kind: 'private', cidrs: [`10.${n >> 8}.${n & 255}.0/24`] }, gatewayPorts: [] });
    }
    const total = spec.vms + spec.reserve;
    const publics = Math.min(spec.publicVms, total);
    for (let k = 0; k < total; k++) {
      const pub = k < publics;
      const n = pub ? 0 : 1 + ((k - publics) % privates);
      const host = pub ? k + 10 : 10 + Math.floor((k - publics) / privates);
      if (!pub && host > 250) throw new Error(`too many VMs for ${privates} private /24 networks`);
      const sw = spec.edges[this.pick(spec.edges.length)]!;
      this.vms.push({
        index: k,
        name: `vm${k}`,
        tenant: pub ? `p${Math.floor(k / spec.tenantSize)}` : `t${n}`,
        network: pub ? PUBLIC : `net${n}`,
        mac: mac(k),
        ip: pub ? `100.64.${(host >> 8) & 255}.${host & 255}` : `10.${n >> 8}.${n & 255}.${host}`,
        switch: sw,
        tap: `tap${k}`,
        running: false,
        busy: false,
      });
    }
    for (const v of this.vms) {
      const g = this.groups.get(reachGroup(v));
      if (g) g.push(v);
      else this.groups.set(reachGroup(v), [v]);
    }
    for (let r = 0; r < spec.relations && publics >= 2 * spec.tenantSize; r++) {
      const a = this.vms[this.pick(publics)]!;
      let b = this.vms[this.pick(publics)]!;
      while (b.tenant === a.tenant) b = this.vms[this.pick(publics)]!;
      this.relations.push({ id: `rel${r}`, vms: [a.name, b.name] });
    }
  }

  /** Uniform in [0, n): mulberry32, seeded. */
  pick(n: number): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  }

  startBody(vm: BenchVm): Record<string, unknown> {
    return { vm: vm.name, tenant: vm.tenant, interfaces: [{ mac: vm.mac, ips: [vm.ip], network: vm.network, switch: vm.switch, port: vm.tap }] };
  }

  /** A VM that is running (or not) and idle, at random (the first such from a random place); undefined when none is. */
  any(running: boolean, filter: (v: BenchVm) => boolean = () => true): BenchVm | undefined {
    const from = this.pick(this.vms.length);
    for (let i = 0; i < this.vms.length; i++) {
      const v = this.vms[(from + i) % this.vms.length]!;
      if (v.running === running && !v.busy && filter(v)) return v;
    }
    return undefined;
  }

  /**
   * A running VM and another running VM it may reach (the same private
   * network, or the same tenant on the public segment), at random.
   */
  arpPair(): { from: BenchVm; to: BenchVm } | undefined {
    for (let i = 0; i < 64; i++) {
      const from = this.any(true);
      if (!from) return undefined;
      const group = this.groups.get(reachGroup(from))!;
      const to = group[this.pick(group.length)]!;
      if (to !== from && to.running) return { from, to };
    }
    return undefined;
  }

  /** The VMs to register at start (all but the reserve), in a seeded random order, so that a registration cut short is a fair sample of the cloud. */
  initial(): BenchVm[] {
    const order = this.vms.slice(0, this.spec.vms);
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.pick(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }

  /** An edge switch other than `than`. */
  otherEdge(than: string): string {
    if (this.spec.edges.length < 2) return than;
    for (;;) {
      const e = this.spec.edges[this.pick(this.spec.edges.length)]!;
      if (e !== than) return e;
    }
  }
}

function reachGroup(v: BenchVm): string {
  return v.network === PUBLIC ? `tenant ${v.tenant}` : `network ${v.network}`;
}

function mac(i: number): string {
  const h = i.toString(16).padStart(8, '0');
  return `02:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}`;
}
