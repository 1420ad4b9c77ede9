// The fabric as the compiler should see it while a switch's control channel
// is away. Discovery drops a switch's links the moment its OpenFlow session
// ends, but a fail-secure switch keeps forwarding with the flows it holds: a
// controller-to-switch hiccup is not a fabric failure. Recompiling at once
// would steer traffic away from a switch that still works and, when it comes
// back before its links are probed again, rewrite its own table too.
//
// So for a switch whose session ended (and, after it reconnects, until
// discovery has found its links again) its last connected view is kept: its
// ports, and each of its links whose far end is still connected with that
// port up. A neighbour port going down is the fabric really failing, and that
// link goes at once. The memory lasts at most `graceMs`.
//
// A link between two connected switches with both ports up that discovery
// ages out (a probe direction silent for its age limit) is held for
// `linkHoldMs` too: when a switch's probe trap was lost and restored, the
// aging tick can fall just before the first probe that crosses again, and the
// link comes back milliseconds later. Publishing that gap deletes and re-adds
// every flow of both ports. A link still unproven after the hold goes.
//
// The view is kept incrementally from the live feed's events: a live change
// costs what it changes, plus the links held or remembered at the time.
// Listeners hear only changes of this view (what the compiler sees), with
// its own events; a live change the view hides tells them nothing.
//
// Neither memory outlives discovery's verdict on a port: a link whose live
// end is an access port now (a VM or gateway was bound there) is not kept.
// Switches that discovery forgot are forgotten here too once their grace ends.
import { netEvents, snapshotEvents } from '../topo/snapshot-diff.js';
import { SnapshotWriter } from '../topo/snapshot-writer.js';
import type { Dpid } from '../openflow/dpid.js';
import { linkKey, portKey } from '../topo/link.js';
import type { Link, LinkEnd, TopologyEvent, TopologyFeed, TopologyListener, TopologySnapshot, TopoSwitch } from '../topo/types.js';

interface Remembered {
  sw: TopoSwitch;
  links: Link[];
  /** Set while the switch's live view is short of the remembered one. */
  graceUntil?: number;
  /** The grace ran out while the switch was still away: show it as discovery does. */
  expired?: boolean;
}

export interface StickyTopologyOptions {
  graceMs?: number;
  /** How long an aged-out link between connected switches with both ports up stays shown. */
  linkHoldMs?: number;
  now?: () => number;
}

const endKey = (e: LinkEnd): string => portKey(e.dpid, e.portNo);

export class StickyTopology implements TopologyFeed {
  private readonly memory = new Map<Dpid, Remembered>();
  /** Switches whose memory has a grace running. */
  private readonly graced = new Set<Dpid>();
  /** Connected switches whose grace ran out: their memory is renewed at the next live change. */
  private readonly expiredConnected = new Set<Dpid>();
  /** Links that left the live view while both ends stayed connected and up, keyed by linkKey. */
  private readonly held = new Map<string, { link: Link; until: number }>();
  private readonly now: () => number;
  private readonly graceMs: number;
  private readonly linkHoldMs: number;
  private live: TopologySnapshot;
  /** The live links, by key and by switch, and how many of them use each end. */
  private readonly liveLinks = new Map<string, Link>();
  private readonly liveLinksOf = new Map<Dpid, Map<string, Link>>();
  private readonly liveEnds = new Map<string, number>();
  /** Switches shown from memory, and links shown beyond the live ones (remembered or held). */
  private readonly substituted = new Set<Dpid>();
  private extras = new Map<string, Link>();
  /** The view, switch by switch and link by link. */
  private readonly shown: SnapshotWriter;
  /** The view as listeners last heard of it, and the events since. */
  private told: TopologySnapshot;
  private untold: TopologyEvent[] = [];
  private overlay: { of: TopologySnapshot; live: TopologySnapshot; snap: TopologySnapshot } | undefined;
  private listeners: TopologyListener[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(feed: TopologyFeed, opts: StickyTopologyOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.graceMs = opts.graceMs ?? 30_000;
    this.linkHoldMs = opts.linkHoldMs ?? 2000;
    this.live = feed.snapshot();
    this.shown = new SnapshotWriter();
    for (const sw of this.live.switches.values()) this.shown.putSwitch(sw, 'all');
    for (const l of this.live.links) {
      this.indexLiveLink(l, true);
      this.shown.setLink(l, true);
    }
    this.shown.publish();
    this.told = this.shown.snapshot;
    for (const dpid of this.live.switches.keys()) this.remember(dpid, this.now());
    this.arm();
    this.unsubscribe = feed.onChange((snap, events) => this.observe(snap, events));
  }

  /** Switches currently shown from memory rather than from discovery. */
  get remembered(): Dpid[] {
    return [...this.graced];
  }

  /** Switches whose last connected view is kept, in grace or not. */
  get memorySize(): number {
    return this.memory.size;
  }

  /**
   * The view: the live snapshot itself while nothing is remembered or held,
   * else the live snapshot (and its version) with the remembered switches and
   * the remembered and held links. O(1) apart from graces and holds that ran out.
   */
  snapshot(): TopologySnapshot {
    if (this.expire(this.now())) {
      this.refreshView([], []);
      this.publish();
    }
    if (this.substituted.size === 0 && this.extras.size === 0) return this.live;
    const shown = this.shown.snapshot;
    if (this.overlay?.of !== shown || this.overlay.live !== this.live) {
      this.overlay = { of: shown, live: this.live, snap: { version: this.live.version, switches: shown.switches, links: shown.links } };
    }
    return this.overlay.snap;
  }

  onChange(listener: TopologyListener): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
  }

  private observe(snap: TopologySnapshot, events: readonly TopologyEvent[] | undefined): void {
    const t = this.now();
    // A feed that does not say what changed is compared in full.
    const liveEvents = events ?? snapshotEvents(this.live, snap);
    this.live = snap;
    const touched = new Set<Dpid>();
    for (const e of liveEvents) {
      if (e.kind === 'link') {
        this.indexLiveLink(e.link, e.present);
        touched.add(e.link.a.dpid).add(e.link.b.dpid);
      } else {
        touched.add(e.dpid);
      }
    }
    this.expire(t);
    this.holdAgedLinks(liveEvents, t);
    for (const dpid of [...touched, ...this.expiredConnected]) this.remember(dpid, t);
    this.arm();
    this.refreshView(touched, liveEvents);
    this.tell();
  }

  /** A live link that went while both its ends stayed connected and up is held; one that came back is no longer. */
  private holdAgedLinks(events: readonly TopologyEvent[], t: number): void {
    for (const e of events) {
      if (e.kind !== 'link') continue;
      const k = linkKey(e.link);
      if (e.present) this.held.delete(k);
      // A disconnect or a port down is not aging: those go at once (or by the grace above).
      else if (!this.held.has(k) && this.upAt(e.link.a) && this.upAt(e.link.b)) this.held.set(k, { link: e.link, until: t + this.linkHoldMs });
    }
  }

  /** Keeps a connected switch's view, or starts the grace of one that went away. */
  private remember(dpid: Dpid, t: number): void {
    const sw = this.live.switches.get(dpid);
    // Discovery forgot it: so is its memory, once a running grace is over (expire()).
    if (!sw) {
      if (!this.graced.has(dpid)) this.memory.delete(dpid);
      return;
    }
    const mem = this.memory.get(dpid);
    const liveLinks = this.liveLinksOf.get(dpid);
    if (!sw.connected) {
      if (mem && mem.graceUntil === undefined && !mem.expired) {
        mem.graceUntil = t + this.graceMs;
        this.graced.add(dpid);
      }
      return;
    }
    if (mem?.graceUntil !== undefined && mem.graceUntil > t && (liveLinks?.size ?? 0) < mem.links.length) return;
    // Connected with its links found again (or never remembered): this is the view to keep.
    this.memory.set(dpid, { sw, links: [...(liveLinks?.values() ?? [])] });
    this.graced.delete(dpid);
    this.expiredConnected.delete(dpid);
  }

  /** Ends the graces and holds that ran out by `t`; true when any did. */
  private expire(t: number): boolean {
    let any = false;
    for (const dpid of this.graced) {
      const mem = this.memory.get(dpid)!;
      if (mem.graceUntil! > t) continue;
      this.graced.delete(dpid);
      any = true;
      const current = this.live.switches.get(dpid);
      if (!current) {
        this.memory.delete(dpid);
        continue;
      }
      delete mem.graceUntil;
      mem.expired = true;
      if (current.connected) this.expiredConnected.add(dpid);
    }
    for (const [k, h] of this.held) {
      if (h.until > t) continue;
      this.held.delete(k);
      any = true;
    }
    return any;
  }

  /** Writes into the view the switches of `touched` and the links of `liveEvents`, and what memory and holds add now. */
  private refreshView(touched: Iterable<Dpid>, liveEvents: readonly TopologyEvent[]): void {
    const livePorts = new Map<Dpid, number[]>();
    for (const e of liveEvents) {
      if (e.kind !== 'port') continue;
      let ports = livePorts.get(e.dpid);
      if (!ports) livePorts.set(e.dpid, (ports = []));
      ports.push(e.portNo);
    }
    const check = new Set<Dpid>([...touched, ...this.substituted, ...this.graced]);
    for (const dpid of check) {
      const current = this.live.switches.get(dpid);
      // Its remembered ports stand in while the live ones are dark (session gone).
      const fromMemory = this.graced.has(dpid) && (!current || !current.connected);
      const sw = fromMemory ? this.memory.get(dpid)!.sw : current;
      const wasFromMemory = this.substituted.has(dpid);
      if (fromMemory) this.substituted.add(dpid);
      else this.substituted.delete(dpid);
      if (!sw) this.shown.deleteSwitch(dpid);
      else this.shown.putSwitch(sw, fromMemory || wasFromMemory ? 'all' : (livePorts.get(dpid) ?? []));
    }
    const extras = this.currentExtras();
    const links = new Map<string, Link>();
    for (const e of liveEvents) if (e.kind === 'link') links.set(linkKey(e.link), e.link);
    for (const [k, l] of this.extras) if (!extras.has(k)) links.set(k, l);
    for (const [k, l] of extras) if (!this.extras.has(k)) links.set(k, l);
    this.extras = extras;
    for (const [k, l] of links) this.shown.setLink(l, this.liveLinks.has(k) || extras.has(k));
  }

  /** The links shown beyond the live ones: those of graced switches whose far end is up, then held ones whose ends are free. */
  private currentExtras(): Map<string, Link> {
    const out = new Map<string, Link>();
    for (const dpid of this.graced) {
      for (const l of this.memory.get(dpid)!.links) {
        const k = linkKey(l);
        if (this.liveLinks.has(k) || out.has(k)) continue;
        if (!this.upAt(l.a.dpid === dpid ? l.b : l.a)) continue;
        out.set(k, l);
      }
    }
    if (this.held.size === 0) return out;
    const rememberedEnds = new Set<string>();
    for (const l of out.values()) rememberedEnds.add(endKey(l.a)).add(endKey(l.b));
    const busy = (e: LinkEnd): boolean => this.liveEnds.has(endKey(e)) || rememberedEnds.has(endKey(e));
    for (const [k, { link }] of this.held) {
      // Both ends still connected and up, and neither port has found another cable.
      if (this.liveLinks.has(k) || out.has(k) || !this.upAt(link.a) || !this.upAt(link.b)) continue;
      if (busy(link.a) || busy(link.b)) continue;
      out.set(k, link);
    }
    return out;
  }

  /** Connected with the port up, and not an access port (a VM or gateway bound there ends any link). */
  private upAt(end: LinkEnd): boolean {
    const s = this.live.switches.get(end.dpid);
    const p = s?.connected === true ? s.ports.get(end.portNo) : undefined;
    return p?.up === true && p.kind !== 'access';
  }

  private indexLiveLink(l: Link, present: boolean): void {
    const k = linkKey(l);
    if (present === this.liveLinks.has(k)) return;
    if (present) this.liveLinks.set(k, l);
    else this.liveLinks.delete(k);
    for (const dpid of new Set([l.a.dpid, l.b.dpid])) {
      let of = this.liveLinksOf.get(dpid);
      if (!of) this.liveLinksOf.set(dpid, (of = new Map<string, Link>()));
      if (present) of.set(k, l);
      else of.delete(k);
    }
    for (const end of [endKey(l.a), endKey(l.b)]) {
      const n = (this.liveEnds.get(end) ?? 0) + (present ? 1 : -1);
      if (n > 0) this.liveEnds.set(end, n);
      else this.liveEnds.delete(end);
    }
  }

  /** Makes what was written the current view; its events wait for the next tell(). */
  private publish(): void {
    this.untold.push(...this.shown.publish());
  }

  /** Tells listeners what changed in the view since they last heard, if anything did. */
  private tell(): void {
    this.publish();
    if (this.untold.length === 0) return;
    const events = netEvents(this.told, this.shown.snapshot, this.untold);
    this.untold = [];
    this.told = this.shown.snapshot;
    if (events.length === 0) return;
    const snap = this.snapshot();
    for (const l of this.listeners) l(snap, events);
  }

  /** Wakes up when the earliest grace or hold ends, so the compiler hears that the memory is gone. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const t = this.now();
    let next = Infinity;
    for (const dpid of this.graced) next = Math.min(next, this.memory.get(dpid)!.graceUntil!);
    for (const h of this.held.values()) next = Math.min(next, h.until);
    if (next === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (this.expire(this.now())) this.refreshView([], []);
        this.tell();
        this.arm();
      },
      Math.max(0, next - t) + 1,
    );
    this.timer.unref();
  }
}
