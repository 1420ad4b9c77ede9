// Comparing topology snapshots: what a switch's own fields and a port are
// compared on, and the events between two snapshots, either found by looking
// at everything (for a feed that does not say what changed) or by checking
// only what a list of events names (to net out changes that undid each other).
import { linkKey } from './link.js';
import type { Dpid } from '../openflow/dpid.js';
import type { GroupSupport, Link, TopologyEvent, TopologySnapshot, TopoPort, TopoSwitch } from './types.js';

/** The fields of a switch that a 'switch' event covers. */
export interface SwitchHead {
  connected: boolean;
  name?: string | undefined;
  role?: TopoSwitch['role'] | undefined;
  version?: TopoSwitch['version'] | undefined;
  groups?: GroupSupport | undefined;
}

export function sameHead(a: SwitchHead, b: SwitchHead): boolean {
  return a.connected === b.connected && a.name === b.name && a.role === b.role && a.version === b.version && sameGroups(a.groups, b.groups);
}

export function sameGroups(a: GroupSupport | undefined, b: GroupSupport | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.select === b.select && a.fastFailover === b.fastFailover);
}

export function samePort(a: TopoPort, b: TopoPort): boolean {
  return a.portNo === b.portNo && a.name === b.name && a.up === b.up && a.kind === b.kind;
}

function sameSwitchHead(a: TopoSwitch | undefined, b: TopoSwitch | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && sameHead(a, b));
}

function samePortOf(a: TopoSwitch | undefined, b: TopoSwitch | undefined, portNo: number): boolean {
  const x = a?.ports.get(portNo);
  const y = b?.ports.get(portNo);
  return x === y || (x !== undefined && y !== undefined && samePort(x, y));
}

/** The port events between two versions of one switch (either may be absent), found by comparing every port. */
export function portEvents(dpid: Dpid, a: TopoSwitch | undefined, b: TopoSwitch | undefined, out: TopologyEvent[]): void {
  if (a?.ports === b?.ports) return;
  for (const portNo of a?.ports.keys() ?? []) if (!samePortOf(a, b, portNo)) out.push({ kind: 'port', dpid, portNo });
  for (const portNo of b?.ports.keys() ?? []) if (!a?.ports.has(portNo)) out.push({ kind: 'port', dpid, portNo });
}

/** Every difference between two snapshots, by looking at all of both: O(size). */
export function snapshotEvents(before: TopologySnapshot, after: TopologySnapshot): TopologyEvent[] {
  const out: TopologyEvent[] = [];
  for (const [dpid, a] of before.switches) {
    const b = after.switches.get(dpid);
    if (!sameSwitchHead(a, b)) out.push({ kind: 'switch', dpid });
    portEvents(dpid, a, b, out);
  }
  for (const [dpid, b] of after.switches) {
    if (before.switches.has(dpid)) continue;
    out.push({ kind: 'switch', dpid });
    portEvents(dpid, undefined, b, out);
  }
  if (before.links !== after.links) {
    const had = new Map(before.links.map((l) => [linkKey(l), l]));
    const has = new Map(after.links.map((l) => [linkKey(l), l]));
    for (const [k, link] of has) if (!had.has(k)) out.push({ kind: 'link', link, present: true });
    for (const [k, link] of had) if (!has.has(k)) out.push({ kind: 'link', link, present: false });
  }
  return out;
}

/**
 * Of the things `events` name, those that differ between the two snapshots,
 * each once. Both snapshots' links must be sorted by link key.
 */
export function netEvents(before: TopologySnapshot, after: TopologySnapshot, events: readonly TopologyEvent[]): TopologyEvent[] {
  const out: TopologyEvent[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (e.kind === 'switch') {
      if (seen.has(`s ${e.dpid}`)) continue;
      seen.add(`s ${e.dpid}`);
      if (!sameSwitchHead(before.switches.get(e.dpid), after.switches.get(e.dpid))) out.push(e);
    } else if (e.kind === 'port') {
      const key = `p ${e.dpid}/${e.portNo}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!samePortOf(before.switches.get(e.dpid), after.switches.get(e.dpid), e.portNo)) out.push(e);
    } else {
      const key = linkKey(e.link);
      if (seen.has(`l ${key}`)) continue;
      seen.add(`l ${key}`);
      const was = findLink(before.links, key);
      const is = findLink(after.links, key);
      if (is && !was) out.push({ kind: 'link', link: is, present: true });
      else if (was && !is) out.push({ kind: 'link', link: was, present: false });
    }
  }
  return out;
}

/** The link with this key in a list sorted by link key (binary search). */
function findLink(links: readonly Link[], key: string): Link | undefined {
  let lo = 0;
  let hi = links.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (linkKey(links[mid]!) < key) lo = mid + 1;
    else hi = mid;
  }
  const l = links[lo];
  return l && linkKey(l) === key ? l : undefined;
}
