// A topology snapshot kept up to date one switch, port or link at a time.
// Switches and their ports live in persistent maps, so a change copies one
// bucket of one map instead of the whole fabric, and every snapshot handed
// out stays as it was. publish() names what differs from the snapshot
// published before: each switch, port and link touched since then is compared
// with its published value, so changes that undo each other name nothing.
import { PersistentMap } from '../model/pmap.js';
import { linkKey } from './link.js';
import { portEvents, sameHead, samePort, type SwitchHead } from './snapshot-diff.js';
import type { Dpid } from '../openflow/dpid.js';
import type { Link, TopologyEvent, TopologySnapshot, TopoPort, TopoSwitch } from './types.js';

/** Above this many link changes in one publish, the sorted link list is rebuilt by merging rather than spliced. */
const SPLICE_LIMIT = 8;

export class SnapshotWriter {
  private switches: PersistentMap<TopoSwitch, Dpid>;
  private readonly links = new Map<string, Link>();
  private published: TopologySnapshot;
  /** Keys of `published.links`, in the same (sorted) order. */
  private publishedLinkKeys: string[] = [];
  private readonly touchedSwitches = new Set<Dpid>();
  private readonly touchedPorts = new Map<Dpid, Set<number>>();
  /** Switches replaced as a whole: all their ports are compared at publish. */
  private readonly replaced = new Set<Dpid>();
  /** Link keys touched since the last publish, with whether each was published. */
  private readonly touchedLinks = new Map<string, boolean>();

  /** Starts at version 0 with these switches (no ports, no links). */
  constructor(initial: Iterable<readonly [Dpid, SwitchHead]> = []) {
    this.switches = PersistentMap.empty<TopoSwitch, Dpid>();
    for (const [dpid, head] of initial) this.setHead(dpid, head);
    this.touchedSwitches.clear();
    this.published = { version: 0, switches: this.switches, links: [] };
  }

  /** The last published snapshot. */
  get snapshot(): TopologySnapshot {
    return this.published;
  }

  /** Creates the switch (without ports) or updates its own fields. */
  setHead(dpid: Dpid, head: SwitchHead): void {
    const sw = this.switches.get(dpid);
    if (sw && sameHead(sw, head)) return;
    const next: TopoSwitch = { dpid, connected: head.connected, ports: sw?.ports ?? PersistentMap.empty<TopoPort, number>() };
    if (head.name !== undefined) next.name = head.name;
    if (head.role !== undefined) next.role = head.role;
    if (head.version !== undefined) next.version = head.version;
    if (head.groups !== undefined) next.groups = head.groups;
    this.switches = this.switches.with(dpid, next);
    this.touchedSwitches.add(dpid);
  }

  /** Sets one port of a switch already written. */
  setPort(dpid: Dpid, port: TopoPort): void {
    const sw = this.switches.get(dpid);
    if (!sw) throw new Error(`port ${port.portNo} written for switch ${dpid}, which is not there`);
    const before = sw.ports.get(port.portNo);
    if (before && samePort(before, port)) return;
    this.switches = this.switches.with(dpid, { ...sw, ports: portsOf(sw).with(port.portNo, port) });
    this.touchPort(dpid, port.portNo);
  }

  /**
   * Puts a whole switch (shared, not copied). `changedPorts` names the ports
   * that may differ from the switch it replaces; 'all' compares every port.
   */
  putSwitch(sw: TopoSwitch, changedPorts: Iterable<number> | 'all'): void {
    const before = this.switches.get(sw.dpid);
    if (before === sw) return;
    this.switches = this.switches.with(sw.dpid, sw);
    this.touchedSwitches.add(sw.dpid);
    if (changedPorts === 'all') this.replaced.add(sw.dpid);
    else for (const portNo of changedPorts) this.touchPort(sw.dpid, portNo);
  }

  deleteSwitch(dpid: Dpid): void {
    if (!this.switches.has(dpid)) return;
    this.switches = this.switches.without(dpid);
    this.touchedSwitches.add(dpid);
    this.replaced.add(dpid);
  }

  deletePort(dpid: Dpid, portNo: number): void {
    const sw = this.switches.get(dpid);
    if (!sw?.ports.has(portNo)) return;
    this.switches = this.switches.with(dpid, { ...sw, ports: portsOf(sw).without(portNo) });
    this.touchPort(dpid, portNo);
  }

  setLink(link: Link, present: boolean): void {
    const key = linkKey(link);
    if (this.links.has(key) === present) return;
    if (!this.touchedLinks.has(key)) this.touchedLinks.set(key, !present);
    if (present) this.links.set(key, link);
    else this.links.delete(key);
  }

  /**
   * Hands out what was written as the new snapshot (version bumped) with the
   * events that lead to it; when nothing differs from the last one, no
   * snapshot and no events.
   */
  publish(): readonly TopologyEvent[] {
    const before = this.published;
    const events: TopologyEvent[] = [];
    for (const dpid of this.touchedSwitches) {
      const was = before.switches.get(dpid);
      const now = this.switches.get(dpid);
      if (was === now) continue;
      if (!was || !now || !sameHead(was, now)) events.push({ kind: 'switch', dpid });
    }
    for (const dpid of this.replaced) portEvents(dpid, before.switches.get(dpid), this.switches.get(dpid), events);
    for (const [dpid, ports] of this.touchedPorts) {
      if (this.replaced.has(dpid)) continue;
      const was = before.switches.get(dpid)?.ports;
      const now = this.switches.get(dpid)?.ports;
      for (const portNo of ports) {
        const a = was?.get(portNo);
        const b = now?.get(portNo);
        if (a === b) continue;
        if (!a || !b || !samePort(a, b)) events.push({ kind: 'port', dpid, portNo });
      }
    }
    const added: [string, Link][] = [];
    const removed = new Set<string>();
    for (const [key, wasPresent] of this.touchedLinks) {
      const link = this.links.get(key);
      if (link && !wasPresent) {
        added.push([key, link]);
        events.push({ kind: 'link', link, present: true });
      } else if (!link && wasPresent) {
        const idx = indexOf(this.publishedLinkKeys, key);
        const gone = before.links[idx]!;
        removed.add(key);
        events.push({ kind: 'link', link: gone, present: false });
      }
    }
    this.touchedSwitches.clear();
    this.replaced.clear();
    this.touchedPorts.clear();
    this.touchedLinks.clear();
    if (events.length === 0) {
      // Same content: keep the published maps, so readers holding them see no difference either.
      this.switches = before.switches as PersistentMap<TopoSwitch, Dpid>;
      return events;
    }
    const links = added.length + removed.size > 0 ? this.sortedLinks(before.links, added, removed) : before.links;
    this.published = { version: before.version + 1, switches: this.switches, links };
    return events;
  }

  private touchPort(dpid: Dpid, portNo: number): void {
    let set = this.touchedPorts.get(dpid);
    if (!set) this.touchedPorts.set(dpid, (set = new Set()));
    set.add(portNo);
  }

  /** The published link list with these changes, still sorted by link key. */
  private sortedLinks(links: readonly Link[], added: [string, Link][], removed: Set<string>): Link[] {
    const keys = this.publishedLinkKeys;
    if (added.length + removed.size <= SPLICE_LIMIT) {
      const outKeys = keys.slice();
      const out = links.slice();
      for (const key of removed) {
        const i = indexOf(outKeys, key);
        outKeys.splice(i, 1);
        out.splice(i, 1);
      }
      for (const [key, link] of added) {
        const i = lowerBound(outKeys, key);
        outKeys.splice(i, 0, key);
        out.splice(i, 0, link);
      }
      this.publishedLinkKeys = outKeys;
      return out;
    }
    added.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const outKeys: string[] = [];
    const out: Link[] = [];
    let j = 0;
    for (let i = 0; i <= keys.length; i++) {
      const key = keys[i];
      while (j < added.length && (key === undefined || added[j]![0] < key)) {
        outKeys.push(added[j]![0]);
        out.push(added[j]![1]);
        j++;
      }
      if (key === undefined) break;
      if (removed.has(key)) continue;
      outKeys.push(key);
      out.push(links[i]!);
    }
    this.publishedLinkKeys = outKeys;
    return out;
  }
}

function portsOf(sw: TopoSwitch): PersistentMap<TopoPort, number> {
  return sw.ports instanceof PersistentMap ? (sw.ports as PersistentMap<TopoPort, number>) : PersistentMap.from<TopoPort, number>(sw.ports);
}

/** First index whose key is not below `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function indexOf(keys: readonly string[], key: string): number {
  const i = lowerBound(keys, key);
  if (keys[i] !== key) throw new Error(`link ${key} is not in the published list`);
  return i;
}
