// A link's identity: its ends in order, and the text keys that maps and sets
// of ports and links use.
import type { Dpid } from '../openflow/dpid.js';
import type { Link, LinkEnd } from './types.js';

/** "DPID/PORT": one switch port. */
export function portKey(dpid: Dpid, portNo: number): string {
  return `${dpid}/${portNo}`;
}

/** "DPID/PORT-DPID/PORT": one link, ends in the order of orderLink. */
export function linkKey(l: Link): string {
  return `${portKey(l.a.dpid, l.a.portNo)}-${portKey(l.b.dpid, l.b.portNo)}`;
}

/** The link between two ends, `a` the one that sorts first (dpid, then port). */
export function orderLink(x: LinkEnd, y: LinkEnd): Link {
  const xFirst = x.dpid < y.dpid || (x.dpid === y.dpid && x.portNo <= y.portNo);
  return xFirst ? { a: { ...x }, b: { ...y } } : { a: { ...y }, b: { ...x } };
}
