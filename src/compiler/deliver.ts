// The MACs a switch delivers to frames that arrive tagged with its label.
// Unicast crosses the fabric with its own destination MAC, so the egress
// switch delivers by MAC alone: one flow per MAC, whatever network it is in.
// The same MAC delivered on one port in two networks is one flow; on two
// ports it is a conflict, reported, and the endpoint with the smallest id
// keeps it (frames from its own switch still reach both, by network).
import type { Endpoint } from './endpoints.js';
import { deliverFlows10 } from './lower10.js';
import { deliverFlow13 } from './lower13.js';
import type { NetworkState } from './network-state.js';
import type { Piece } from './piece-store.js';
import type { SwitchCtx } from './targets.js';
import type { Diagnostic } from './types.js';

/** The delivered endpoints of a switch per MAC, first by id. */
export function deliveredMacs(dpid: string, networks: Iterable<NetworkState>): Map<string, Endpoint[]> {
  const byMac = new Map<string, Endpoint[]>();
  for (const n of networks) {
    for (const e of n.activeAt(dpid)) {
      let l = byMac.get(e.mac);
      if (!l) byMac.set(e.mac, (l = []));
      l.push(e);
    }
  }
  for (const l of byMac.values()) l.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return byMac;
}

export function deliverPieces(ctx: SwitchCtx, macs: ReadonlyMap<string, Endpoint[]>): Map<string, Piece> {
  const out = new Map<string, Piece>();
  if (ctx.fabricPorts.length === 0 || ctx.label === undefined) return out;
  const fab = ctx.of13 ? [] : ctx.fabricPorts;
  for (const [mac, eps] of macs) {
    const e = eps[0]!;
    const port = e.active!.portNo;
    out.set(mac, {
      sig: [port, e.cookie, ctx.label, ...fab],
      build: () => ({ flows: ctx.of13 ? [deliverFlow13(mac, port, e.cookie)] : deliverFlows10(ctx, mac, port, e.cookie) }),
    });
  }
  return out;
}

/** The named MACs' pieces as they are now: present ones, and the others to drop. */
export function deliverPiecesFor(ctx: SwitchCtx, networks: Iterable<NetworkState>, macs: Iterable<string>): { present: Map<string, Piece>; gone: string[] } {
  const want = new Set(macs);
  const found = new Map<string, Endpoint[]>();
  for (const n of networks) {
    for (const mac of want) {
      const e = n.holder(mac);
      if (!e?.active || e.active.dpid !== ctx.dpid) continue;
      let l = found.get(mac);
      if (!l) found.set(mac, (l = []));
      l.push(e);
    }
  }
  for (const l of found.values()) l.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const present = deliverPieces(ctx, found);
  return { present, gone: [...want].filter((m) => !present.has(m)) };
}

export function macConflicts(dpid: string, macs: ReadonlyMap<string, Endpoint[]>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [mac, eps] of macs) {
    const ports = new Set(eps.map((e) => e.active!.portNo));
    if (ports.size < 2) continue;
    out.push({ code: 'MAC_CONFLICT', message: `MAC ${mac} is delivered on ports ${[...ports].sort((a, b) => a - b).join(' and ')} of ${dpid}; frames from other switches go to ${eps[0]!.id}`, dpid });
  }
  return out;
}
