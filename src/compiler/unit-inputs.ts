// Whether two plans of one network give a switch the same flows: true when
// everything the lowerings read for that switch is equal. Lets the
// incremental compiler skip switches a change does not affect, which matters
// on a public segment with thousands of members spread over every switch.
import type { Dpid } from '../topo/types.js';
import type { Endpoint } from './endpoints.js';
import type { NetworkPlan, Target } from './plan.js';

const sameEp = (a: Endpoint, b: Endpoint): boolean =>
  a === b ||
  (a.kind === b.kind &&
    a.id === b.id &&
    a.mac === b.mac &&
    a.cookie === b.cookie &&
    a.ips.length === b.ips.length &&
    a.ips.every((x, i) => x === b.ips[i]));

export const sameTarget = (a: Target | undefined, b: Target | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && ('local' in a ? 'local' in b && a.local === b.local : 'fabric' in b && a.fabric === b.fabric));

export const sameNums = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === b![i]);

export function sameUnitInputs(a: NetworkPlan, b: NetworkPlan, dpid: Dpid): boolean {
  const na = a.ne.network;
  const nb = b.ne.network;
  if (a.segment !== b.segment || na.kind !== nb.kind || na.name !== nb.name || na.dhcp?.mac.toLowerCase() !== nb.dhcp?.mac.toLowerCase()) return false;
  if (a.served.has(dpid) !== b.served.has(dpid)) return false;
  const sa = a.sources.get(dpid) ?? [];
  const sb = b.sources.get(dpid) ?? [];
  if (sa.length !== sb.length) return false;
  for (let i = 0; i < sa.length; i++) {
    const x = sa[i]!;
    const y = sb[i]!;
    if (x.loc.portNo !== y.loc.portNo || !sameEp(x.ep, y.ep)) return false;
    if (na.kind === 'public') {
      const ra = a.reachable(x.ep);
      const rb = b.reachable(y.ep);
      if (ra.length !== rb.length || ra.some((e, k) => e.mac !== rb[k]!.mac)) return false;
    }
  }
  const fa = a.forward.get(dpid);
  const fb = b.forward.get(dpid);
  if ((fa?.size ?? 0) !== (fb?.size ?? 0)) return false;
  if (fa && fb) {
    // Same entries in the same order (lowering emits them in map order).
    const ia = fa.entries();
    const ib = fb.entries();
    for (let x = ia.next(), y = ib.next(); !x.done && !y.done; x = ia.next(), y = ib.next()) {
      const [ma, ta] = x.value;
      const [mb, tb] = y.value;
      if (ma !== mb || !sameTarget(ta, tb) || a.ne.byMac.get(ma)!.cookie !== b.ne.byMac.get(mb)!.cookie) return false;
    }
  }
  return (
    sameTarget(a.dhcp.get(dpid), b.dhcp.get(dpid)) &&
    sameNums(a.bcastLocal.get(dpid), b.bcastLocal.get(dpid)) &&
    sameNums(a.bcastTree.get(dpid), b.bcastTree.get(dpid))
  );
}
