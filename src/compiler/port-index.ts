// What the compiler needs to know about the switches' ports, indexed so a
// port event costs O(1): a port's number by name, whether a port is a link
// end (then it binds no endpoint) and which link ends are usable (both ports
// up: the switch's fabric ports), with each switch's version and groups.
// `update` reports exactly what changed, so the compiler re-resolves only the
// bindings on those ports.
import type { OfVersion } from '../openflow/wire-values.js';
import type { PortRef } from '../model/types.js';
import type { Dpid } from '../openflow/dpid.js';
import type { GroupSupport, TopoSwitch, TopologySnapshot } from '../topo/types.js';
import { linksOf } from './routes.js';
import type { Diagnostic } from './types.js';

interface SwitchPorts {
  version: OfVersion | undefined;
  groups: GroupSupport | undefined;
  /** portNo -> name and state. */
  ports: Map<number, { name: string; up: boolean }>;
  byName: Map<string, number>;
  /** Ports that are a link end (usable or not). */
  linkEnds: Set<number>;
  /** Link ends whose link is usable (both ports up). */
  fabric: Set<number>;
}

export interface PortIndexChanges {
  /** Switches that appeared or left. */
  switches: Set<Dpid>;
  /** Switches whose negotiated or described version changed. */
  versions: Set<Dpid>;
  /** Switches whose group support changed. */
  groups: Set<Dpid>;
  /** Per switch, the port references whose resolution may differ now (numbers as text, and names). */
  refs: Map<Dpid, Set<string>>;
  /** Switches whose link ends or usable fabric ports changed. */
  fabricPorts: Set<Dpid>;
  /** Switches with a port that came or went besides those: a VM's tap, say. */
  accessPorts: Set<Dpid>;
  /** Among those, the switches that gained their first access port or lost their last. */
  accessPresence: Set<Dpid>;
  /** True when a link changed (appeared, went, or its usability changed). */
  links: boolean;
}

/** OpenFlow port numbers from here up are reserved (OF1.0 0xff00, OF1.3 0xffffff00): LOCAL, CONTROLLER... */
const MAX_PHYSICAL_PORT = 0xff00;

const noChanges = (): PortIndexChanges => ({
  switches: new Set(),
  versions: new Set(),
  groups: new Set(),
  refs: new Map(),
  fabricPorts: new Set(),
  accessPorts: new Set(),
  accessPresence: new Set(),
  links: false,
});

export class PortIndex {
  private readonly switches = new Map<Dpid, SwitchPorts>();

  /**
   * Re-reads the topology. With `only`, just those switches' ports (a port or
   * switch event), and the links only when `links` says one changed or a port
   * that ends a link changed.
   */
  update(topo: TopologySnapshot, only?: ReadonlySet<Dpid>, links = true): PortIndexChanges {
    const ch = noChanges();
    const ref = (d: Dpid, r: string | number): void => {
      let s = ch.refs.get(d);
      if (!s) ch.refs.set(d, (s = new Set()));
      s.add(String(r));
    };
    const targets = only ?? new Set([...topo.switches.keys(), ...this.switches.keys()]);
    let linkEndTouched = false;
    for (const d of targets) {
      const sw = topo.switches.get(d);
      const had = this.switches.get(d);
      if (!sw) {
        if (had) {
          this.switches.delete(d);
          ch.switches.add(d);
        }
        continue;
      }
      if (!had) {
        this.switches.set(d, readSwitch(sw));
        ch.switches.add(d);
        continue;
      }
      if (had.version !== sw.version) {
        had.version = sw.version;
        ch.versions.add(d);
      }
      if (had.groups?.select !== sw.groups?.select || had.groups?.fastFailover !== sw.groups?.fastFailover) {
        had.groups = sw.groups;
        ch.groups.add(d);
      }
      const hadAccess = hasAccessPort(had);
      for (const [no, p] of sw.ports) {
        const old = had.ports.get(no);
        if (old && old.name === p.name && old.up === p.up) continue;
        if (old && old.name !== p.name) {
          had.byName.delete(old.name);
          ref(d, old.name);
        }
        had.ports.set(no, { name: p.name, up: p.up });
        had.byName.set(p.name, no);
        ref(d, no);
        ref(d, p.name);
        if (had.linkEnds.has(no)) linkEndTouched = true;
        if (!old) (had.linkEnds.has(no) ? ch.fabricPorts : ch.accessPorts).add(d);
      }
      for (const [no, old] of had.ports) {
        if (sw.ports.has(no)) continue;
        had.ports.delete(no);
        if (had.byName.get(old.name) === no) had.byName.delete(old.name);
        ref(d, no);
        ref(d, old.name);
        if (had.linkEnds.has(no)) linkEndTouched = true;
        (had.linkEnds.has(no) ? ch.fabricPorts : ch.accessPorts).add(d);
      }
      if (ch.accessPorts.has(d) && hasAccessPort(had) !== hadAccess) ch.accessPresence.add(d);
    }
    if (!only || links || linkEndTouched || ch.switches.size > 0) this.updateLinks(topo, ch, ref);
    return ch;
  }

  private updateLinks(topo: TopologySnapshot, ch: PortIndexChanges, ref: (d: Dpid, r: number) => void): void {
    const ends = new Map<Dpid, Set<number>>();
    const usable = new Map<Dpid, Set<number>>();
    const add = (m: Map<Dpid, Set<number>>, d: Dpid, p: number): void => {
      let s = m.get(d);
      if (!s) m.set(d, (s = new Set()));
      s.add(p);
    };
    for (const l of linksOf(topo)) {
      add(ends, l.a.dpid, l.a.portNo);
      add(ends, l.b.dpid, l.b.portNo);
      const up = (e: typeof l.a): boolean => this.switches.get(e.dpid)?.ports.get(e.portNo)?.up === true;
      if (l.a.dpid !== l.b.dpid && up(l.a) && up(l.b)) {
        add(usable, l.a.dpid, l.a.portNo);
        add(usable, l.b.dpid, l.b.portNo);
      }
    }
    for (const [d, sp] of this.switches) {
      const e = ends.get(d) ?? new Set<number>();
      const u = usable.get(d) ?? new Set<number>();
      for (const p of symmetricDifference(sp.linkEnds, e)) {
        ref(d, p);
        const name = sp.ports.get(p)?.name;
        if (name !== undefined) ch.refs.get(d)!.add(name);
      }
      if (!sameSet(sp.linkEnds, e) || !sameSet(sp.fabric, u)) {
        ch.fabricPorts.add(d);
        ch.links = true;
      }
      sp.linkEnds = e;
      sp.fabric = u;
    }
  }

  has(dpid: Dpid): boolean {
    return this.switches.has(dpid);
  }

  version(dpid: Dpid): OfVersion | undefined {
    return this.switches.get(dpid)?.version;
  }

  /** The groups the switch said it holds; undefined when the topology does not say. */
  groups(dpid: Dpid): GroupSupport | undefined {
    return this.switches.get(dpid)?.groups;
  }

  /** Usable fabric ports, ascending. */
  fabricPorts(dpid: Dpid): number[] {
    return [...(this.switches.get(dpid)?.fabric ?? [])].sort((a, b) => a - b);
  }

  /** Ports that are no link end, ascending: where hosts attach. The switch's own (LOCAL) and other reserved ports are not among them. */
  accessPorts(dpid: Dpid): number[] {
    const sp = this.switches.get(dpid);
    if (!sp) return [];
    return [...sp.ports.keys()].filter((p) => !sp.linkEnds.has(p) && p < MAX_PHYSICAL_PORT).sort((a, b) => a - b);
  }

  /** The port number for a model port reference, or a diagnostic. */
  resolve(dpid: Dpid, port: PortRef, ctx: { vm?: string; network: string }): number | Diagnostic {
    const sp = this.switches.get(dpid);
    if (!sp) return { code: 'UNKNOWN_SWITCH', message: `switch ${dpid} is not in the topology`, dpid, port, ...ctx };
    let portNo: number | undefined;
    if (typeof port === 'number') portNo = sp.ports.has(port) ? port : undefined;
    else {
      portNo = sp.byName.get(port);
      if (portNo === undefined && /^[0-9]+$/.test(port) && sp.ports.has(Number(port))) portNo = Number(port);
    }
    if (portNo === undefined) return { code: 'PORT_NOT_PRESENT', message: `port ${String(port)} is not on switch ${dpid} yet`, dpid, port, ...ctx };
    if (sp.linkEnds.has(portNo)) return { code: 'PORT_IS_FABRIC', message: `port ${String(port)} of ${dpid} is a fabric link`, dpid, port, ...ctx };
    return portNo;
  }
}

/** Whether any port is an access port (accessPorts() not empty), without listing them. */
function hasAccessPort(sp: SwitchPorts): boolean {
  for (const p of sp.ports.keys()) if (!sp.linkEnds.has(p) && p < MAX_PHYSICAL_PORT) return true;
  return false;
}

function readSwitch(sw: TopoSwitch): SwitchPorts {
  const ports = new Map<number, { name: string; up: boolean }>();
  const byName = new Map<string, number>();
  for (const [no, p] of sw.ports) {
    ports.set(no, { name: p.name, up: p.up });
    byName.set(p.name, no);
  }
  return { version: sw.version, groups: sw.groups, ports, byName, linkEnds: new Set(), fabric: new Set() };
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function symmetricDifference<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T[] {
  const out: T[] = [];
  for (const x of a) if (!b.has(x)) out.push(x);
  for (const x of b) if (!a.has(x)) out.push(x);
  return out;
}
