// Discovery checked against the described cabling: which described links were
// not found, and which discovered links the description does not have (a
// miscabled or extra cable). Also tells access ports from fabric ports as the
// description sees them.
import type { Dpid } from '../openflow/dpid.js';
import type { Logger } from '../log.js';
import type { DescribedEnd, DescribedLink, TopologyDescription } from './description.js';
import { linkKey, orderLink } from './link.js';
import type { Link, LinkEnd, PortKind, TopologySnapshot } from './types.js';

export type MissingReason = 'switch-disconnected' | 'port-unknown' | 'not-discovered';

export interface MissingLink {
  link: DescribedLink;
  reason: MissingReason;
}

export interface CablingReport {
  /** Described but not discovered. */
  missing: MissingLink[];
  /** Discovered but not described (miscabled, or an undescribed switch). */
  unexpected: Link[];
  /** Cabled into a port described as an access port; discovery does not use them. */
  refused: Link[];
}

/**
 * 'fabric' for a port that a described link uses, 'access' for any other port
 * of a described switch, undefined when the switch is not described.
 */
export function describedPortKind(desc: TopologyDescription, dpid: Dpid, portNo: number, name: string): PortKind | undefined {
  return describedPortClassifier(desc)(dpid, portNo, name);
}

export type PortClassifier = (dpid: Dpid, portNo: number, name: string) => PortKind | undefined;

/** describedPortKind with the description indexed once (discovery asks for every probe). */
export function describedPortClassifier(desc: TopologyDescription): PortClassifier {
  const fabric = new Map<Dpid, { numbers: Set<number>; names: Set<string> }>();
  for (const s of desc.switches) fabric.set(s.dpid, { numbers: new Set(), names: new Set() });
  for (const l of desc.links) {
    for (const end of [l.a, l.b]) {
      const f = fabric.get(end.dpid);
      if (!f) continue;
      if (typeof end.port === 'number') f.numbers.add(end.port);
      else f.names.add(end.port);
    }
  }
  return (dpid, portNo, name) => {
    const f = fabric.get(dpid);
    if (!f) return undefined;
    return f.numbers.has(portNo) || f.names.has(name) ? 'fabric' : 'access';
  };
}

export function compareCabling(desc: TopologyDescription, snap: TopologySnapshot, refused: readonly Link[] = []): CablingReport {
  const found = new Set(snap.links.map(linkKey));
  const explained = new Set<string>();
  const missing: MissingLink[] = [];
  for (const dl of desc.links) {
    const a = resolveEnd(dl.a, snap);
    const b = resolveEnd(dl.b, snap);
    if (!a.ok || !b.ok) {
      missing.push({ link: dl, reason: !a.ok ? a.reason : (b as { reason: MissingReason }).reason });
      continue;
    }
    const key = linkKey(orderLink(a.end, b.end));
    if (found.has(key)) explained.add(key);
    else missing.push({ link: dl, reason: 'not-discovered' });
  }
  const unexpected = snap.links.filter((l) => !explained.has(linkKey(l)));
  return { missing, unexpected, refused: [...refused] };
}

export function cablingMatches(report: CablingReport): boolean {
  return report.missing.length === 0 && report.unexpected.length === 0 && report.refused.length === 0;
}

export function logCablingReport(log: Logger, report: CablingReport, snap: TopologySnapshot): void {
  for (const m of report.missing) {
    log.warn('described link not discovered', {
      a: `${m.link.a.switch}:${m.link.a.port}`,
      b: `${m.link.b.switch}:${m.link.b.port}`,
      dpidA: m.link.a.dpid,
      dpidB: m.link.b.dpid,
      reason: m.reason,
      topologyVersion: snap.version,
    });
  }
  for (const l of report.unexpected) {
    log.warn('discovered link not in the described cabling', {
      dpidA: l.a.dpid,
      portA: l.a.portNo,
      dpidB: l.b.dpid,
      portB: l.b.portNo,
      topologyVersion: snap.version,
    });
  }
  for (const l of report.refused) {
    log.warn('cable into a described access port; not used', {
      dpidA: l.a.dpid,
      portA: l.a.portNo,
      dpidB: l.b.dpid,
      portB: l.b.portNo,
      topologyVersion: snap.version,
    });
  }
}

type Resolved = { ok: true; end: LinkEnd } | { ok: false; reason: MissingReason };

function resolveEnd(end: DescribedEnd, snap: TopologySnapshot): Resolved {
  const sw = snap.switches.get(end.dpid);
  if (!sw || !sw.connected) return { ok: false, reason: 'switch-disconnected' };
  if (typeof end.port === 'number') {
    return sw.ports.has(end.port) ? { ok: true, end: { dpid: end.dpid, portNo: end.port } } : { ok: false, reason: 'port-unknown' };
  }
  for (const p of sw.ports.values()) {
    if (p.name === end.port) return { ok: true, end: { dpid: end.dpid, portNo: p.portNo } };
  }
  return { ok: false, reason: 'port-unknown' };
}

