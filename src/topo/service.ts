// The topology service: runs discovery against live switches. It listens to a
// narrow event source (switch, port and packet-in events), sends probes through
// a packet-out callback on a timer, checks discovery against the described
// cabling once it settles, and offers the snapshot and its changes to the rest
// of Spotlight.
import { randomBytes } from 'node:crypto';
import { RepeatedLogLimiter, type Logger } from '../log.js';
import { versionName, type OfVersion } from '../openflow/wire-values.js';
import { cablingMatches, compareCabling, logCablingReport, type CablingReport } from './cabling.js';
import { linkKey } from './link.js';
import { Discovery } from './discovery.js';
import { type DiscoveryCounters, type DiscoveryOptions, type PortInfo, type PortStatusReason } from './discovery-types.js';
import type { TopologyDescription } from './description.js';
import { isLldp } from './lldp.js';
import type { Dpid } from '../openflow/dpid.js';
import type { BoundPorts, GroupSupport, TopologyFeed, TopologyListener, TopologySnapshot } from './types.js';

export interface TopologySourceEvents {
  switchConnected: { dpid: Dpid; version?: OfVersion; ports: PortInfo[]; groups?: GroupSupport };
  switchDisconnected: { dpid: Dpid };
  portStatus: { dpid: Dpid; port: PortInfo; reason: PortStatusReason };
  packetIn: { dpid: Dpid; inPort: number; data: Uint8Array };
}

export type TopologySourceEvent = keyof TopologySourceEvents;

/** Where switch, port and packet-in events come from (the channel, or a test). */
export interface TopologyEventSource {
  subscribe<K extends TopologySourceEvent>(event: K, listener: (ev: TopologySourceEvents[K]) => void): () => void;
}

/** Sends a frame out of one switch port; false when the switch is not there. */
export type SendPacketOut = (dpid: Dpid, portNo: number, frame: Buffer) => boolean;

export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface TopologyServiceOptions {
  source: TopologyEventSource;
  sendPacketOut: SendPacketOut;
  logger: Logger;
  /** Probe HMAC key; a random one per process when absent (probes never outlive it). */
  secret?: Uint8Array;
  description?: TopologyDescription | undefined;
  /** Ports with a bound VM interface or gateway (from the model): never probed, never a link end. */
  boundPorts?: BoundPorts;
  now?: () => number;
  random?: () => number;
  timers?: IntervalTimers;
  intervalMs?: number;
  maxProbesPerSecond?: number;
  ageIntervals?: number;
  maxProbeAgeMs?: number;
  /** How often the timer runs discovery (sends due probes, expires links). */
  tickMs?: number;
  /** Quiet time after a change before discovery is checked against the description. */
  settleMs?: number;
  /**
   * Links the description has but discovery has not found are reported only
   * this long after the first switch connected (the compiler's start-up
   * hold), unless every described link is found sooner: before that, links
   * are still being probed for the first time. Default 0.
   */
  reportAfterMs?: number;
}

/** Links as the HTTP API shows them (GET /v1/topology). */
export interface TopologyLinkView {
  a: { switch: string; port: string | number };
  b: { switch: string; port: string | number };
}

/** Drops are logged at warn at most once per this many ms per (switch, reason). */
const DROP_LOG_EVERY_MS = 60_000;

export class TopologyService implements TopologyFeed {
  readonly discovery: Discovery;
  private readonly log: Logger;
  private readonly opts: TopologyServiceOptions;
  private readonly now: () => number;
  private readonly timers: IntervalTimers;
  private readonly unsubscribe: (() => void)[] = [];
  private timer: unknown;
  private lastChangeAt = 0;
  private firstSwitchAt: number | undefined;
  private checkedVersion = -1;
  private checkedAt = 0;
  private lastReportKey = '';
  private lastReport: CablingReport | undefined;
  private readonly dropLog: RepeatedLogLimiter;

  constructor(opts: TopologyServiceOptions) {
    this.opts = opts;
    this.log = opts.logger.child({ component: 'topology' });
    this.now = opts.now ?? monotonicEpochMs;
    this.dropLog = new RepeatedLogLimiter({ everyMs: DROP_LOG_EVERY_MS, now: this.now });
    this.timers = opts.timers ?? {
      setInterval: (fn, ms) => setInterval(fn, ms),
      clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
    };
    const discoveryOptions: DiscoveryOptions = {
      secret: opts.secret ?? randomBytes(32),
      now: this.now,
      description: opts.description,
    };
    if (opts.boundPorts) discoveryOptions.boundPorts = opts.boundPorts;
    if (opts.random) discoveryOptions.random = opts.random;
    if (opts.intervalMs !== undefined) discoveryOptions.intervalMs = opts.intervalMs;
    if (opts.maxProbesPerSecond !== undefined) discoveryOptions.maxProbesPerSecond = opts.maxProbesPerSecond;
    if (opts.ageIntervals !== undefined) discoveryOptions.ageIntervals = opts.ageIntervals;
    if (opts.maxProbeAgeMs !== undefined) discoveryOptions.maxProbeAgeMs = opts.maxProbeAgeMs;
    this.discovery = new Discovery(discoveryOptions);
    this.discovery.onChange((snap, events) => {
      this.lastChangeAt = this.now();
      this.log.debug('topology changed', { topologyVersion: snap.version, changes: events.length, links: snap.links.length });
    });
  }

  start(): void {
    if (this.timer !== undefined) return;
    const src = this.opts.source;
    this.unsubscribe.push(
      src.subscribe('switchConnected', (ev) => {
        this.log.debug('switch connected', { dpid: ev.dpid, ports: ev.ports.length, version: ev.version });
        this.firstSwitchAt ??= this.now();
        this.checkDescribedSwitch(ev.dpid, ev.version);
        this.discovery.switchConnected(ev.dpid, ev.ports, ev.version, ev.groups);
        // Probe the new switch's ports without waiting for the next timer run.
        this.tick();
      }),
      src.subscribe('switchDisconnected', (ev) => {
        this.log.debug('switch disconnected', { dpid: ev.dpid });
        this.discovery.switchDisconnected(ev.dpid);
      }),
      src.subscribe('portStatus', (ev) => this.discovery.portStatus(ev.dpid, ev.port, ev.reason)),
      src.subscribe('packetIn', (ev) => this.onPacketIn(ev.dpid, ev.inPort, ev.data)),
    );
    if (this.opts.boundPorts) this.unsubscribe.push(this.opts.boundPorts.onChange((ports) => this.discovery.bindingsChanged(ports)));
    const interval = this.opts.intervalMs ?? 1000;
    this.timer = this.timers.setInterval(() => this.tick(), this.opts.tickMs ?? Math.max(10, Math.floor(interval / 10)));
  }

  stop(): void {
    if (this.timer !== undefined) this.timers.clearInterval(this.timer);
    this.timer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  snapshot(): TopologySnapshot {
    return this.discovery.snapshot();
  }

  onChange(listener: TopologyListener): () => void {
    return this.discovery.onChange(listener);
  }

  get counters(): Readonly<DiscoveryCounters> {
    return this.discovery.counters;
  }

  /** Differences from the described cabling, as of now; undefined without a description. */
  cablingReport(): CablingReport | undefined {
    return this.opts.description ? compareCabling(this.opts.description, this.snapshot(), this.discovery.refusedLinks()) : undefined;
  }

  /** Links with ports named as the switches report them (number when the name is unknown). */
  links(): TopologyLinkView[] {
    const snap = this.snapshot();
    const portRef = (dpid: Dpid, portNo: number): string | number => snap.switches.get(dpid)?.ports.get(portNo)?.name ?? portNo;
    return snap.links.map((l) => ({
      a: { switch: l.a.dpid, port: portRef(l.a.dpid, l.a.portNo) },
      b: { switch: l.b.dpid, port: portRef(l.b.dpid, l.b.portNo) },
    }));
  }

  /** Runs discovery once: sends due probes, expires links, checks the cabling. The timer calls it. */
  tick(): void {
    for (const p of this.discovery.tick()) {
      if (!this.opts.sendPacketOut(p.dpid, p.portNo, p.frame)) {
        this.log.debug('probe not sent', { dpid: p.dpid, port: p.portNo });
      }
    }
    this.checkCabling();
  }

  private onPacketIn(dpid: Dpid, inPort: number, data: Uint8Array): void {
    // Other packet-ins (ARP, DHCP, ...) are not ours.
    if (!isLldp(data)) return;
    const verdict = this.discovery.receive({ dpid, inPort, frame: data });
    if (verdict.accepted) {
      if (verdict.isNew) {
        this.log.info('link discovered', {
          dpidA: verdict.link.a.dpid,
          portA: verdict.link.a.portNo,
          dpidB: verdict.link.b.dpid,
          portB: verdict.link.b.portNo,
          key: linkKey(verdict.link),
        });
      }
      return;
    }
    if (verdict.reason === 'duplicate') return;
    // The in_port is the switch's choice: the line names it, the limit does not key on it.
    this.dropLog.log(this.log, 'warn', `${dpid}/${verdict.reason}`, 'discovery probe dropped', {
      reason: verdict.reason,
      dpid,
      inPort,
      count: this.discovery.counters[verdict.reason],
    });
  }

  /** A switch the description lacks, or speaking another OpenFlow version than described. */
  private checkDescribedSwitch(dpid: Dpid, version: OfVersion | undefined): void {
    const desc = this.opts.description;
    if (!desc) return;
    const described = desc.switches.find((s) => s.dpid === dpid);
    if (!described) {
      this.log.warn('a switch that the description does not name connected', { dpid });
    } else if (version !== undefined && version !== described.version) {
      this.log.warn('switch speaks another OpenFlow version than described', {
        dpid,
        name: described.name,
        described: versionName(described.version),
        negotiated: versionName(version),
      });
    }
  }

  private checkCabling(): void {
    const desc = this.opts.description;
    if (!desc) return;
    const snap = this.snapshot();
    const settleMs = this.opts.settleMs ?? 3 * (this.opts.intervalMs ?? 1000);
    if (this.now() - this.lastChangeAt < settleMs) return;
    // Nothing is missing before the switches are there and have had the hold to be probed.
    if (this.firstSwitchAt === undefined) return;
    const holding = this.now() - this.firstSwitchAt < (this.opts.reportAfterMs ?? 0);
    if (holding && snap.links.length < desc.links.length) return;
    // Refused cables do not change the snapshot, so the check also runs on a slow beat.
    if (snap.version === this.checkedVersion && this.now() - this.checkedAt < settleMs) return;
    this.checkedVersion = snap.version;
    this.checkedAt = this.now();
    const report = compareCabling(desc, snap, this.discovery.refusedLinks());
    this.lastReport = report;
    const key = JSON.stringify([report.missing.map((m) => [m.link, m.reason]), report.unexpected, report.refused]);
    if (key === this.lastReportKey) return;
    this.lastReportKey = key;
    if (cablingMatches(report)) {
      this.log.info('discovered cabling matches the description', { topologyVersion: snap.version, links: snap.links.length });
    } else {
      logCablingReport(this.log, report, snap);
    }
  }

  /** The report made by the last settled check (what was logged). */
  get settledCablingReport(): CablingReport | undefined {
    return this.lastReport;
  }
}

/**
 * Wall-clock milliseconds at process start plus monotonic time since: probe
 * timestamps and ages never go backwards when the system clock is stepped.
 */
function monotonicEpochMs(): number {
  return Math.floor(performance.timeOrigin + performance.now());
}
