// The discovery state machine. It learns switches and ports from channel
// events, says which probes to send and when (tick), and turns probes that come
// back (receive) into links. It does no I/O and reads time and randomness only
// through the functions it is given, so every transition is unit-testable.
// What it shows (switches, ports with their kind, confirmed links) is written
// into a SnapshotWriter as it changes, so an event costs what it changes and
// listeners hear what changed.
import { Port } from '../openflow/wire-values.js';
import { describedPortClassifier, type PortClassifier } from './cabling.js';
import { CableTable } from './cables.js';
import type { DiscoveryCounters, DiscoveryOptions, PortInfo, PortStatusReason, ProbeToSend, ProbeVerdict, ReceivedProbe } from './discovery-types.js';
import { linkKey, orderLink, portKey } from './link.js';
import type { TopologyDescription } from './description.js';
import { buildProbe, parseProbe } from './lldp.js';
import { SnapshotWriter } from './snapshot-writer.js';
import type { Dpid } from '../openflow/dpid.js';
import type { BoundPorts, GroupSupport, Link, PortKind, PortRefOnSwitch, TopologyListener, TopologySnapshot, TopoSwitch } from './types.js';
import type { OfVersion } from '../openflow/wire-values.js';
import { ProbeSchedule } from './probe-schedule.js';

interface SwitchState {
  dpid: Dpid;
  connected: boolean;
  name?: string | undefined;
  role?: TopoSwitch['role'] | undefined;
  version?: OfVersion | undefined;
  groups?: GroupSupport | undefined;
  ports: Map<number, PortInfo>;
}

interface LastAccepted {
  timestamp: number;
  ingress: string;
}

/**
 * Each probe costs the controller a signed packet-out and its packet-in back
 * (about 0.1-0.2 ms of CPU together): a thousand a second is a tenth to a
 * fifth of a core, whatever the fabric's size.
 */
const DEFAULT_MAX_PROBES_PER_SECOND = 1000;

export class Discovery {
  private readonly opts: Required<Omit<DiscoveryOptions, 'description' | 'boundPorts'>> & { description: TopologyDescription | undefined };
  private readonly bound: BoundPorts | undefined;
  /** Disconnected switches the description does not name, oldest disconnection first. */
  private readonly disconnectedUndescribed = new Set<Dpid>();
  private readonly switches = new Map<Dpid, SwitchState>();
  private readonly cables = new CableTable((link) => this.shown.setLink(link, false));
  /** Next due time per probed port, keyed "dpid/port". */
  private readonly schedule = new ProbeSchedule();
  /** Last accepted probe per source port, keyed "dpid/port". */
  private readonly lastAccepted = new Map<string, LastAccepted>();
  /** Ports on which a valid probe arrived (inferred fabric ports). */
  private readonly inferredFabric = new Set<string>();
  private readonly listeners = new Set<TopologyListener>();
  private readonly classify: PortClassifier | undefined;
  private readonly shown: SnapshotWriter;
  readonly counters: DiscoveryCounters = {
    sent: 0,
    accepted: 0,
    malformed: 0,
    forged: 0,
    stale: 0,
    replayed: 0,
    duplicate: 0,
    reflected: 0,
    'access-port': 0,
    'bound-port': 0,
    undescribed: 0,
    'unknown-port': 0,
  };

  constructor(options: DiscoveryOptions) {
    const intervalMs = options.intervalMs ?? 1000;
    this.opts = {
      secret: options.secret,
      now: options.now,
      random: options.random ?? Math.random,
      intervalMs,
      ageIntervals: options.ageIntervals ?? 3,
      maxProbesPerSecond: options.maxProbesPerSecond ?? DEFAULT_MAX_PROBES_PER_SECOND,
      maxProbeAgeMs: options.maxProbeAgeMs ?? intervalMs,
      maxFutureMs: options.maxFutureMs ?? 1000,
      spreadMs: options.spreadMs ?? Math.min(intervalMs, 250),
      maxDisconnectedSwitches: options.maxDisconnectedSwitches ?? 1024,
      description: options.description,
    };
    this.bound = options.boundPorts;
    this.classify = options.description ? describedPortClassifier(options.description) : undefined;
    for (const s of options.description?.switches ?? []) {
      this.switches.set(s.dpid, { dpid: s.dpid, connected: false, name: s.name, role: s.role, version: s.version, ports: new Map() });
    }
    this.shown = new SnapshotWriter([...this.switches.values()].map((sw) => [sw.dpid, sw] as const));
  }

  get version(): number {
    return this.shown.snapshot.version;
  }

  /**
   * Time between two probes out of one port now: the configured interval,
   * or longer when the probed ports at that interval would exceed the probe
   * rate (every probe costs a packet-out, a packet-in and a signature check).
   */
  get roundMs(): number {
    return Math.max(this.opts.intervalMs, Math.ceil((this.schedule.size * 1000) / this.opts.maxProbesPerSecond));
  }

  /** Called with every new snapshot and what changed since the one before; returns a function that unsubscribes. */
  onChange(listener: TopologyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  switchConnected(dpid: Dpid, ports: readonly PortInfo[], version?: OfVersion, groups?: GroupSupport): void {
    const prior = this.switches.get(dpid);
    if (prior?.connected) this.dropSwitchState(prior);
    this.disconnectedUndescribed.delete(dpid);
    const sw: SwitchState = {
      dpid,
      connected: true,
      name: prior?.name,
      role: prior?.role,
      version: version ?? prior?.version,
      groups,
      ports: new Map(),
    };
    this.switches.set(dpid, sw);
    this.shown.setHead(dpid, sw);
    for (const p of ports) this.setPort(sw, p);
    for (const portNo of prior?.ports.keys() ?? []) if (!sw.ports.has(portNo)) this.shown.deletePort(dpid, portNo);
    this.changed();
  }

  switchDisconnected(dpid: Dpid): void {
    const sw = this.switches.get(dpid);
    if (!sw || !sw.connected) return;
    this.dropSwitchState(sw);
    sw.connected = false;
    this.shown.setHead(dpid, sw);
    for (const p of sw.ports.values()) {
      p.up = false;
      this.show(sw, p);
    }
    // Only described switches carry a name; those are always kept.
    if (sw.name === undefined) this.forgetOldestDisconnected(dpid);
    this.changed();
  }

  /**
   * The model bound or unbound endpoints on these ports. A port that is now
   * bound loses its links and its inferred fabric kind at once.
   */
  bindingsChanged(ports: readonly PortRefOnSwitch[]): void {
    for (const ref of ports) {
      const sw = this.switches.get(ref.dpid);
      if (!sw) continue;
      for (const p of sw.ports.values()) {
        if (p.portNo !== ref.port && p.name !== ref.port) continue;
        if (this.isBound(sw.dpid, p)) {
          const key = portKey(sw.dpid, p.portNo);
          this.lastAccepted.delete(key);
          this.inferredFabric.delete(key);
          this.cables.removeAt({ dpid: sw.dpid, portNo: p.portNo });
        }
        // Bound or unbound, its kind may differ now.
        this.show(sw, p);
      }
    }
    this.changed();
  }

  portStatus(dpid: Dpid, port: PortInfo, reason: PortStatusReason): void {
    const sw = this.switches.get(dpid);
    if (!sw || !sw.connected) return;
    const key = portKey(dpid, port.portNo);
    const before = sw.ports.get(port.portNo);
    if (reason === 'delete') {
      if (!before) return;
      sw.ports.delete(port.portNo);
      this.forgetPort(key);
      this.shown.deletePort(dpid, port.portNo);
    } else {
      if (before && before.up === port.up && before.name === port.name && before.hwAddr === port.hwAddr) return;
      if (!port.up) this.forgetPort(key);
      this.setPort(sw, port);
    }
    this.changed();
  }

  /** Expires old links and returns the probes now due. Call it often (a tenth of the interval). */
  tick(): ProbeToSend[] {
    const now = this.clock();
    this.expireLinks(now);
    const out: ProbeToSend[] = [];
    const round = this.roundMs;
    for (const { key, due } of this.schedule.takeDue(now)) {
      const [dpid, portText] = key.split('/') as [Dpid, string];
      const portNo = Number(portText);
      const port = this.switches.get(dpid)?.ports.get(portNo);
      // Keep the port's phase; after a stall start again from now rather than bursting.
      const next = due + round;
      this.schedule.set(key, next > now ? next : now + round);
      // A VM or gateway is behind a bound port: a probe there could only feed a relay.
      if (port && this.isBound(dpid, port)) continue;
      out.push({
        dpid,
        portNo,
        frame: buildProbe({ dpid, portNo, timestamp: now, secret: this.opts.secret, srcMac: port?.hwAddr }),
      });
    }
    this.counters.sent += out.length;
    return out;
  }

  /** Judges a probe that came back in as a packet-in, and learns its link if it is genuine. */
  receive(pkt: ReceivedProbe): ProbeVerdict {
    const verdict = this.judge(pkt);
    if (verdict.accepted) this.counters.accepted++;
    else this.counters[verdict.reason]++;
    return verdict;
  }

  /**
   * Cables proven by genuine probes but refused because one end is a described
   * access port (a miscabling, or a host relaying probes). Not in the snapshot.
   */
  refusedLinks(): Link[] {
    return this.cables.refusedLinks();
  }

  /** The current snapshot: O(1), and never changed afterwards (a later change makes a new one). */
  snapshot(): TopologySnapshot {
    return this.shown.snapshot;
  }

  private judge(pkt: ReceivedProbe): ProbeVerdict {
    const parsed = parseProbe(pkt.frame, this.opts.secret);
    if (!parsed.ok) {
      const forged = parsed.error.code === 'BAD_SIGNATURE' || parsed.error.code === 'NOT_SPOTLIGHT';
      return { accepted: false, reason: forged ? 'forged' : 'malformed' };
    }
    const probe = parsed.probe;
    const ingress = this.switches.get(pkt.dpid)?.ports.get(pkt.inPort);
    const source = this.switches.get(probe.dpid)?.ports.get(probe.portNo);
    if (!ingress?.up || !source?.up || !this.switches.get(pkt.dpid)?.connected || !this.switches.get(probe.dpid)?.connected) {
      return { accepted: false, reason: 'unknown-port' };
    }
    if (probe.dpid === pkt.dpid && probe.portNo === pkt.inPort) return { accepted: false, reason: 'reflected' };
    const now = this.clock();
    if (now - probe.timestamp > this.opts.maxProbeAgeMs || probe.timestamp - now > this.opts.maxFutureMs) {
      return { accepted: false, reason: 'stale' };
    }
    const srcKey = portKey(probe.dpid, probe.portNo);
    const inKey = portKey(pkt.dpid, pkt.inPort);
    const last = this.lastAccepted.get(srcKey);
    if (last) {
      if (probe.timestamp < last.timestamp) return { accepted: false, reason: 'replayed' };
      if (probe.timestamp === last.timestamp) {
        return { accepted: false, reason: last.ingress === inKey ? 'duplicate' : 'replayed' };
      }
    }
    // A VM or gateway behind either end: hosts relaying genuine probes (a wormhole), never a cable.
    if (this.isBound(pkt.dpid, ingress) || this.isBound(probe.dpid, source)) return { accepted: false, reason: 'bound-port' };
    const ingressKind = this.describedKind(pkt.dpid, ingress);
    const sourceKind = this.describedKind(probe.dpid, source);
    // With a description, a cable needs at least one end on a described switch.
    if (this.classify && ingressKind === undefined && sourceKind === undefined) return { accepted: false, reason: 'undescribed' };
    const link = orderLink({ dpid: probe.dpid, portNo: probe.portNo }, { dpid: pkt.dpid, portNo: pkt.inPort });
    const key = linkKey(link);
    if (ingressKind === 'access' || sourceKind === 'access') {
      this.cables.refuse(link, key, now);
      return { accepted: false, reason: 'access-port' };
    }
    this.lastAccepted.set(srcKey, { timestamp: probe.timestamp, ingress: inKey });
    // Shown as fabric ports from the next change on (a probe alone does not make one).
    this.inferFabric(probe.dpid, source);
    this.inferFabric(pkt.dpid, ingress);
    const cable = this.cables.crossed(link, key, { dpid: probe.dpid, portNo: probe.portNo }, now);
    if (cable.confirmed) return { accepted: true, link, isNew: false };
    if (cable.fromA === undefined || cable.fromB === undefined) {
      // Probe back at once rather than a whole interval later (the peer may have just connected).
      const due = this.schedule.get(inKey);
      if (due !== undefined && due > now) this.schedule.set(inKey, now);
      return { accepted: true, link, isNew: false };
    }
    // A port has one cable: a new link through a port replaces the old one.
    for (const end of [link.a, link.b]) this.cables.removeAt(end, key);
    cable.confirmed = true;
    this.shown.setLink(link, true);
    this.changed();
    return { accepted: true, link, isNew: true };
  }

  private setPort(sw: SwitchState, port: PortInfo): void {
    const info = { ...port };
    sw.ports.set(port.portNo, info);
    this.show(sw, info);
    const key = portKey(sw.dpid, port.portNo);
    const probed = port.up && port.portNo >= 1 && port.portNo <= Port.MAX && this.describedKind(sw.dpid, port) !== 'access';
    if (!probed) {
      this.schedule.delete(key);
    } else if (!this.schedule.has(key)) {
      this.schedule.set(key, this.clock() + Math.floor(this.opts.random() * this.opts.spreadMs));
    }
  }

  /** The port as the snapshot shows it (its kind follows the description and the probes seen). */
  private show(sw: SwitchState, port: PortInfo): void {
    const kind = this.portKind(sw.dpid, port);
    this.shown.setPort(sw.dpid, { portNo: port.portNo, name: port.name, up: port.up, ...(kind ? { kind } : {}) });
  }

  private inferFabric(dpid: Dpid, port: PortInfo): void {
    const key = portKey(dpid, port.portNo);
    if (this.inferredFabric.has(key)) return;
    this.inferredFabric.add(key);
    this.show(this.switches.get(dpid)!, port);
  }

  private forgetPort(key: string): void {
    this.schedule.delete(key);
    this.lastAccepted.delete(key);
    const [dpid, portText] = key.split('/') as [Dpid, string];
    const portNo = Number(portText);
    if (this.inferredFabric.delete(key)) {
      const sw = this.switches.get(dpid)!;
      const port = sw.ports.get(portNo);
      if (port) this.show(sw, port);
    }
    this.cables.removeAt({ dpid, portNo });
  }

  private dropSwitchState(sw: SwitchState): void {
    for (const portNo of sw.ports.keys()) this.forgetPort(portKey(sw.dpid, portNo));
  }

  /** Keeps at most maxDisconnectedSwitches undescribed switches that are away (a peer inventing datapath ids). */
  private forgetOldestDisconnected(dpid: Dpid): void {
    this.disconnectedUndescribed.delete(dpid);
    this.disconnectedUndescribed.add(dpid);
    for (const old of this.disconnectedUndescribed) {
      if (this.disconnectedUndescribed.size <= this.opts.maxDisconnectedSwitches) break;
      this.disconnectedUndescribed.delete(old);
      this.switches.delete(old);
      this.shown.deleteSwitch(old);
    }
  }

  private isBound(dpid: Dpid, port: PortInfo): boolean {
    return this.bound?.isBound(dpid, port.portNo, port.name) === true;
  }

  private expireLinks(now: number): void {
    if (this.cables.expire(now, this.opts.ageIntervals * this.roundMs)) this.changed();
  }

  private describedKind(dpid: Dpid, port: PortInfo): PortKind | undefined {
    return this.classify?.(dpid, port.portNo, port.name);
  }

  private portKind(dpid: Dpid, port: PortInfo): PortKind | undefined {
    if (this.isBound(dpid, port)) return 'access';
    const described = this.describedKind(dpid, port);
    if (described) return described;
    if (this.inferredFabric.has(portKey(dpid, port.portNo))) return 'fabric';
    return port.portNo <= Port.MAX ? 'access' : undefined;
  }

  /** Whole milliseconds: probes carry an integer timestamp. */
  private clock(): number {
    return Math.floor(this.opts.now());
  }

  /** Publishes what was written since the last change; listeners hear of it only when something differs. */
  private changed(): void {
    const events = this.shown.publish();
    if (events.length === 0) return;
    const snap = this.shown.snapshot;
    for (const l of this.listeners) l(snap, events);
  }
}
