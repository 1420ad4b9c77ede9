// The fabric as a controller of a cluster compiles it: its own discovery's
// view (switches, ports and, on the leader, links) plus the links the leader
// shared through etcd.
//
// A follower discovers no link (the switches send it no packet-in and refuse
// its probes), so it shows the leader's links. A new leader keeps showing
// the links it inherited until its own discovery has found each of them,
// for at most `graceMs`: its first passes then see the fabric the old leader
// compiled, not an empty one, and remove no forwarding between switches.
//
// An inherited link is shown only while both its switches are connected
// here with both ports up, and neither port is part of a link discovery
// found: a port that goes down takes the link at once, whoever saw it.
import { linkKey, portKey } from '../topo/link.js';
import type { Link, LinkEnd, TopologyFeed, TopologySnapshot } from '../topo/types.js';

export interface InheritedLinksOptions {
  /** How long a new leader keeps inherited links that its discovery has not found. */
  graceMs: number;
  now?: () => number;
}

const endKey = (e: LinkEnd): string => portKey(e.dpid, e.portNo);

export class InheritedLinks implements TopologyFeed {
  private readonly now: () => number;
  private shared: readonly Link[] | undefined;
  private leading = false;
  /** While leading: inherited links discovery has not found yet, shown until `keptUntil`. */
  private kept: Link[] = [];
  private keptUntil = 0;
  private bumps = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(snap: TopologySnapshot) => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly live: TopologyFeed,
    private readonly opts: InheritedLinksOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.unsubscribe = live.onChange((snap) => {
      if (this.leading) this.prune(snap);
      this.emit();
    });
  }

  /** Inherited links shown now (not found by this instance's discovery). */
  get inheritedCount(): number {
    const live = this.live.snapshot();
    return this.snapshot().links.length - live.links.length;
  }

  /** The leader's latest view (undefined: none trusted). A leader ignores views: they are its own. */
  setShared(links: readonly Link[] | undefined): void {
    this.shared = links;
    if (!this.leading) this.emit();
  }

  /** This instance leads from now: the links it shows are kept until discovery finds them, at most graceMs. */
  lead(): void {
    if (this.leading) return;
    this.leading = true;
    this.kept = [...(this.shared ?? [])];
    this.keptUntil = this.now() + this.opts.graceMs;
    this.prune(this.live.snapshot());
    this.arm();
    this.emit();
  }

  /** This instance follows: it shows the leader's links. */
  follow(): void {
    if (!this.leading) return;
    this.leading = false;
    this.kept = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.emit();
  }

  stop(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
  }

  snapshot(): TopologySnapshot {
    const live = this.live.snapshot();
    const extra = this.leading ? (this.now() < this.keptUntil ? this.kept : []) : (this.shared ?? []);
    const version = live.version + this.bumps;
    if (extra.length === 0) return version === live.version ? live : { ...live, version };
    const busy = new Set(live.links.flatMap((l) => [endKey(l.a), endKey(l.b)]));
    const up = (e: LinkEnd): boolean => {
      const s = live.switches.get(e.dpid);
      return s?.connected === true && s.ports.get(e.portNo)?.up === true;
    };
    const added: Link[] = [];
    for (const l of extra) {
      if (!up(l.a) || !up(l.b) || busy.has(endKey(l.a)) || busy.has(endKey(l.b))) continue;
      busy.add(endKey(l.a));
      busy.add(endKey(l.b));
      added.push(l);
    }
    if (added.length === 0) return { ...live, version };
    const links = [...live.links, ...added].sort((x, y) => (linkKey(x) < linkKey(y) ? -1 : 1));
    return { ...live, version, links };
  }

  onChange(listener: (snap: TopologySnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Inherited links that discovery has found (or whose ports another link now uses) need keeping no more. */
  private prune(snap: TopologySnapshot): void {
    if (this.kept.length === 0) return;
    const found = new Set(snap.links.flatMap((l) => [endKey(l.a), endKey(l.b)]));
    this.kept = this.kept.filter((l) => !found.has(endKey(l.a)) && !found.has(endKey(l.b)));
  }

  /** At the end of the grace the links discovery did not find go, and the compiler hears it. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const wait = this.keptUntil - this.now();
    if (wait <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.leading || this.kept.length === 0) return;
      this.kept = [];
      this.emit();
    }, wait + 1);
    this.timer.unref();
  }

  private emit(): void {
    this.bumps++;
    const snap = this.snapshot();
    for (const l of this.listeners) l(snap);
  }
}
