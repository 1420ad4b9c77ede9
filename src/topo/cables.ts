// The cables discovery has seen, each keyed by its link: the ones probes cross
// (used once probes have crossed both ways), and the ones refused because an
// end is a described access port (kept aside for the cabling check). Each is
// indexed by both its ends, so a port going away drops its cables at once,
// and each ages out when probes stop crossing it.
import { linkKey, portKey } from './link.js';
import type { Link, LinkEnd } from './types.js';

interface LinkState {
  link: Link;
  lastSeen: number;
}

/** A cable is used only once probes have crossed it both ways (a one-way cable is no link). */
export interface CableState extends LinkState {
  /** When a probe sent from `link.a` last arrived at `link.b`, and the reverse. */
  fromA?: number;
  fromB?: number;
  confirmed: boolean;
}

export class CableTable {
  private readonly links = new Map<string, CableState>();
  /** Genuine probes that arrived on (or left from) a described access port. */
  private readonly refused = new Map<string, LinkState>();
  /** Keys of `links` and `refused` by each of their ends ("dpid/port"). */
  private readonly linksAt = new Map<string, Set<string>>();

  /** @param linkGone called when a used (confirmed) link is dropped */
  constructor(private readonly linkGone: (link: Link) => void) {}

  /** The cable a genuine probe crossed, from the `from` end at `now` (made on its first probe). */
  crossed(link: Link, key: string, from: LinkEnd, now: number): CableState {
    let cable = this.links.get(key);
    if (!cable) {
      cable = { link, lastSeen: now, confirmed: false };
      this.keep(this.links, key, cable);
    }
    cable.lastSeen = now;
    if (link.a.dpid === from.dpid && link.a.portNo === from.portNo) cable.fromA = now;
    else cable.fromB = now;
    return cable;
  }

  /** A genuine cable into a port described as having hosts: never used, but kept and aged so the cabling check can report it. */
  refuse(link: Link, key: string, now: number): void {
    const known = this.refused.get(key);
    if (known) known.lastSeen = now;
    else this.keep(this.refused, key, { link, lastSeen: now });
  }

  /** The refused cables, in link order. */
  refusedLinks(): Link[] {
    return [...this.refused.values()].map((l) => l.link).sort((x, y) => (linkKey(x) < linkKey(y) ? -1 : 1));
  }

  /** Removes every cable (used, unconfirmed or refused) at this end, except `keep`. */
  removeAt(end: LinkEnd, keep?: string): void {
    const keys = this.linksAt.get(portKey(end.dpid, end.portNo));
    if (!keys) return;
    for (const key of [...keys]) {
      if (key === keep) continue;
      this.drop(this.links, key);
      this.drop(this.refused, key);
    }
  }

  /** Drops the cables probes stopped crossing more than `limitMs` ago; true when a used link went. */
  expire(now: number, limitMs: number): boolean {
    for (const [key, l] of this.refused) if (now - l.lastSeen > limitMs) this.drop(this.refused, key);
    const stale = (t: number | undefined): boolean => t === undefined || now - t > limitMs;
    let any = false;
    for (const [key, l] of this.links) {
      // A used link goes when either direction falls silent; an unconfirmed one when both have.
      if (l.confirmed ? stale(l.fromA) || stale(l.fromB) : stale(l.fromA) && stale(l.fromB)) {
        this.drop(this.links, key);
        if (l.confirmed) any = true;
      }
    }
    return any;
  }

  private keep<T extends LinkState>(map: Map<string, T>, key: string, state: T): void {
    map.set(key, state);
    for (const end of [state.link.a, state.link.b]) {
      const at = portKey(end.dpid, end.portNo);
      let set = this.linksAt.get(at);
      if (!set) this.linksAt.set(at, (set = new Set()));
      set.add(key);
    }
  }

  private drop(map: Map<string, LinkState | CableState>, key: string): void {
    const state = map.get(key);
    if (!state) return;
    map.delete(key);
    if ('confirmed' in state && state.confirmed) this.linkGone(state.link);
    if (this.links.has(key) || this.refused.has(key)) return;
    for (const end of [state.link.a, state.link.b]) {
      const at = portKey(end.dpid, end.portNo);
      const set = this.linksAt.get(at);
      set?.delete(key);
      if (set?.size === 0) this.linksAt.delete(at);
    }
  }
}
