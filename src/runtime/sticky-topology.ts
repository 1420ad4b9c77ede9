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
// Neither memory outlives discovery's verdict on a port: a link whose live
// end is an access port now (a VM or gateway was bound there) is not kept.
// Switches that discovery forgot are forgotten here too once their grace ends.
import type { Dpid, Link, TopologyFeed, TopologySnapshot, TopoSwitch } from '../topo/types.js';

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

const involves = (l: Link, dpid: Dpid): boolean => l.a.dpid === dpid || l.b.dpid === dpid;
const linkKey = (l: Link): string => `${l.a.dpid}/${l.a.portNo}-${l.b.dpid}/${l.b.portNo}`;
const endKey = (e: Link['a']): string => `${e.dpid}/${e.portNo}`;

export class StickyTopology implements TopologyFeed {
  private readonly memory = new Map<Dpid, Remembered>();
  private readonly now: () => number;
  private readonly graceMs: number;
  private readonly linkHoldMs: number;
  /** Links that left the live view while both ends stayed connected and up, keyed by linkKey. */
  private readonly held = new Map<string, { link: Link; until: number }>();
  private liveLinks: readonly Link[] = [];
  private listeners: ((s: TopologySnapshot) => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly live: TopologyFeed,
    opts: StickyTopologyOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.graceMs = opts.graceMs ?? 30_000;
    this.linkHoldMs = opts.linkHoldMs ?? 2000;
    this.observe(live.snapshot());
    this.unsubscribe = live.onChange((snap) => {
      this.observe(snap);
      this.emit();
    });
  }

  /** Switches currently shown from memory rather than from discovery. */
  get remembered(): Dpid[] {
    return [...this.memory].filter(([, r]) => r.graceUntil !== undefined).map(([d]) => d);
  }

  /** Switches whose last connected view is kept, in grace or not. */
  get memorySize(): number {
    return this.memory.size;
  }

  snapshot(): TopologySnapshot {
    const live = this.live.snapshot();
    const t = this.now();
    const graced = [...this.memory].filter(([, r]) => r.graceUntil !== undefined && r.graceUntil > t);
    const holding = [...this.held.values()].filter((h) => h.until > t);
    if (graced.length === 0 && holding.length === 0) return live;
    const switches = new Map(live.switches);
    const links = [...live.links];
    const have = new Set(links.map(linkKey));
    const farUp = (end: Link['a']): boolean => {
      const p = live.switches.get(end.dpid)?.connected === true ? live.switches.get(end.dpid)?.ports.get(end.portNo) : undefined;
      return p?.up === true && p.kind !== 'access';
    };
    for (const [dpid, r] of graced) {
      const current = live.switches.get(dpid);
      // Its remembered ports stand in while the live ones are dark (session gone).
      if (!current || !current.connected) switches.set(dpid, r.sw);
      for (const l of r.links) {
        if (have.has(linkKey(l))) continue;
        if (!farUp(l.a.dpid === dpid ? l.b : l.a)) continue;
        links.push(l);
        have.add(linkKey(l));
      }
    }
    const busy = new Set(links.flatMap((l) => [endKey(l.a), endKey(l.b)]));
    for (const { link } of holding) {
      // Both ends still connected and up, and neither port has found another cable.
      if (have.has(linkKey(link)) || !farUp(link.a) || !farUp(link.b)) continue;
      if (busy.has(endKey(link.a)) || busy.has(endKey(link.b))) continue;
      links.push(link);
      have.add(linkKey(link));
    }
    return { ...live, switches, links };
  }

  onChange(listener: (snap: TopologySnapshot) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
  }

  private observe(snap: TopologySnapshot): void {
    const t = this.now();
    this.holdAgedLinks(snap, t);
    for (const [dpid, sw] of snap.switches) {
      const mem = this.memory.get(dpid);
      const liveLinks = snap.links.filter((l) => involves(l, dpid));
      if (!sw.connected) {
        if (mem && mem.graceUntil === undefined && !mem.expired) mem.graceUntil = t + this.graceMs;
        continue;
      }
      if (mem?.graceUntil !== undefined && mem.graceUntil > t && liveLinks.length < mem.links.length) continue;
      // Connected with its links found again (or never remembered): this is the view to keep.
      this.memory.set(dpid, { sw, links: liveLinks });
    }
    this.forgetGone(snap, t);
    this.arm();
  }

  private holdAgedLinks(snap: TopologySnapshot, t: number): void {
    const now = new Set(snap.links.map(linkKey));
    for (const k of now) this.held.delete(k);
    const upAt = (end: Link['a']): boolean => {
      const p = snap.switches.get(end.dpid)?.connected === true ? snap.switches.get(end.dpid)?.ports.get(end.portNo) : undefined;
      return p?.up === true && p.kind !== 'access';
    };
    for (const l of this.liveLinks) {
      const k = linkKey(l);
      // A disconnect or a port down is not aging: those go at once (or by the grace above).
      if (!now.has(k) && !this.held.has(k) && upAt(l.a) && upAt(l.b)) this.held.set(k, { link: l, until: t + this.linkHoldMs });
    }
    for (const [k, h] of this.held) if (h.until <= t) this.held.delete(k);
    this.liveLinks = snap.links;
  }

  /** Switches discovery no longer knows, once their grace is over. */
  private forgetGone(snap: TopologySnapshot, t: number): void {
    for (const [dpid, r] of this.memory) {
      if (!snap.switches.has(dpid) && (r.graceUntil === undefined || r.graceUntil <= t)) this.memory.delete(dpid);
    }
  }

  /** Wakes up when the earliest grace ends, so the compiler hears that the memory is gone. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const t = this.now();
    const ends = [...this.memory.values()].map((r) => r.graceUntil).concat([...this.held.values()].map((h) => h.until)).filter((g): g is number => g !== undefined && g > t);
    if (ends.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const t2 = this.now();
      for (const r of this.memory.values()) {
        if (r.graceUntil !== undefined && r.graceUntil <= t2) {
          delete r.graceUntil;
          r.expired = true;
        }
      }
      for (const [k, h] of this.held) if (h.until <= t2) this.held.delete(k);
      this.forgetGone(this.live.snapshot(), t2);
      this.emit();
      this.arm();
    }, Math.min(...ends) - t + 1);
    this.timer.unref();
  }

  private emit(): void {
    const snap = this.snapshot();
    for (const l of this.listeners) l(snap);
  }
}
