// One network's pieces on one switch, each with the signature of what it is
// lowered from: per bound source its security (OF1.3) or access (OF1.0)
// flows, per public source what it may reach, per destination its
// forwarding entry, and the network-wide flows. A piece whose signature did
// not change is not lowered again (src/compiler/piece-store.ts). On OF1.3 a
// piece can be computed on its own by key, so a change touches only its own
// pieces. OF1.0 has one table, so a source's unicast carries each
// destination's actions: there it is a piece per source and destination (a
// VM that joins a network of n adds 2n pieces and re-lowers none of the
// others'), and OF1.0 scopes are refreshed whole.
import type { Action } from '../openflow/flow-model.js';
import type { Endpoint, Location } from './endpoints.js';
import { portMeterOf } from './fabric.js';
import { accessFlows10, networkEgress10, sourceAddresses10, unicastFlows10 } from './lower10.js';
import { forwardFlow13, networkFlows13, reachFlows13, remoteMembers, securityFlows13 } from './lower13.js';
import type { NetworkState } from './network-state.js';
import type { Piece, Sig } from './piece-store.js';
import { fabricCopies, targetKey, type SwitchCtx, type Target } from './targets.js';
import type { DesiredFlow } from './types.js';

export const sourceKey = (e: Endpoint, loc: Location): string => `s:${e.id}@${loc.portNo}`;
export const reachKey = (e: Endpoint, loc: Location): string => `r:${e.id}@${loc.portNo}`;
export const forwardKey = (mac: string): string => `f:${mac}`;
const unicastKey = (e: Endpoint, loc: Location, d: Endpoint): string => `u:${e.id}@${loc.portNo}>${d.id}`;
export const NET_KEY = 'net';

export function networkPieces(ctx: SwitchCtx, net: NetworkState): Map<string, Piece> {
  const out = new Map<string, Piece>();
  if (!ctx.of13) return pieces10(ctx, net, out);
  for (const { ep, loc } of net.sourcesAt(ctx.dpid)) {
    out.set(sourceKey(ep, loc), sourcePiece13(ctx, net, ep, loc));
    if (net.network.kind === 'public') out.set(reachKey(ep, loc), reachPiece13(net, ep, loc));
  }
  for (const d of net.forwardSet(ctx.dpid)) {
    const p = forwardPiece13(ctx, net, d);
    if (p) out.set(forwardKey(d.mac), p);
  }
  const n = netPiece(ctx, net);
  if (n) out.set(NET_KEY, n);
  return out;
}

/** OF1.3: the named pieces as they are now: present ones with their specs, the others to drop. */
export function networkPiecesFor(ctx: SwitchCtx, net: NetworkState, keys: Iterable<string>): { present: Map<string, Piece>; gone: string[] } {
  const present = new Map<string, Piece>();
  const gone: string[] = [];
  for (const key of keys) {
    const p = pieceFor(ctx, net, key);
    if (p) present.set(key, p);
    else gone.push(key);
  }
  return { present, gone };
}

function pieceFor(ctx: SwitchCtx, net: NetworkState, key: string): Piece | undefined {
  if (key === NET_KEY) return netPiece(ctx, net);
  const kind = key[0];
  if (kind === 'f') {
    const d = net.holder(key.slice(2));
    return d?.active && net.forwards(ctx.dpid, d) ? forwardPiece13(ctx, net, d) : undefined;
  }
  const src = net.source(ctx.dpid, key.slice(2));
  if (!src) return undefined;
  if (kind === 's') return sourcePiece13(ctx, net, src.ep, src.loc);
  return net.network.kind === 'public' ? reachPiece13(net, src.ep, src.loc) : undefined;
}

function sourcePiece13(ctx: SwitchCtx, net: NetworkState, ep: Endpoint, loc: Location): Piece {
  const seg = net.network.segment;
  const server = ep.mac === net.network.dhcp?.mac.toLowerCase();
  const meterId = ctx.meters ? portMeterOf(loc.portNo) : undefined;
  return {
    sig: [ep, loc.portNo, seg, server, meterId],
    build: () => {
      const flows: DesiredFlow[] = [];
      securityFlows13(seg, ep, loc, server, meterId, flows);
      return { flows };
    },
  };
}

function reachPiece13(net: NetworkState, ep: Endpoint, loc: Location): Piece {
  const reach = ep.kind === 'gateway' ? [] : net.reach(ep);
  return {
    sig: [ep, loc.portNo, ...reach.map((d) => d.mac)],
    build: () => {
      const flows: DesiredFlow[] = [];
      reachFlows13(ep, loc, reach, flows);
      return { flows };
    },
  };
}

function forwardPiece13(ctx: SwitchCtx, net: NetworkState, d: Endpoint): Piece | undefined {
  const t = ctx.target(d.active!);
  if (!t) return undefined;
  const seg = net.network.segment;
  return { sig: [seg, d.cookie, targetKey(t)], build: () => ({ flows: [forwardFlow13(seg, d, t)] }) };
}

/** The network-wide flows (networkFlows13 or networkEgress10) with everything they read; undefined when they lower to nothing. */
function netPiece(ctx: SwitchCtx, net: NetworkState): Piece | undefined {
  const sources = net.sourcesAt(ctx.dpid);
  const members = net.memberPorts(ctx.dpid);
  const server = net.dhcpServer();
  const serverHere = server?.active?.dpid === ctx.dpid;
  if (sources.length === 0 && ((members.length === 0 && !serverHere) || ctx.fabricPorts.length === 0)) return undefined;
  if (!ctx.of13 && ctx.fabricPorts.length === 0) return undefined;
  const n = net.network;
  const sig: unknown[] = [n, sources.length > 0, ctx.fabricPorts.length > 0, ctx.label, serverHere ? server!.active!.portNo : -1, ...members, '|'];
  if (sources.length && ctx.of13) {
    sig.push(server ? server.mac : '', server ? targetKey(ctx.target(server.active!)) : '');
    if (sources.some(({ ep }) => net.broadcasts(ep))) for (const t of remoteMembers(ctx, net)) sig.push(targetKey(t));
  }
  if (!ctx.of13) sig.push('|', ...ctx.fabricPorts);
  return {
    sig,
    build: () => {
      const flows: DesiredFlow[] = [];
      if (ctx.of13) networkFlows13(ctx, net, flows);
      else networkEgress10(ctx, net, flows);
      return { flows };
    },
  };
}

function pieces10(ctx: SwitchCtx, net: NetworkState, out: Map<string, Piece>): Map<string, Piece> {
  const sources = net.sourcesAt(ctx.dpid);
  if (sources.length) {
    const seg = net.network.segment;
    const targets = new Map<string, Target>();
    for (const d of net.forwardSet(ctx.dpid)) {
      const t = ctx.target(d.active!);
      if (t) targets.set(d.id, t);
    }
    const server = net.dhcpServer();
    const st = server ? ctx.target(server.active!) : undefined;
    const dhcp = st && server ? { t: st, server } : undefined;
    const remote = remoteMembers(ctx, net);
    const local = net.memberPorts(ctx.dpid);
    const bcastSig: Sig = [...local, '|', ...remote.map(targetKey)];
    const serverMac = net.network.dhcp?.mac.toLowerCase();
    for (const { ep, loc } of sources) {
      const may = net.broadcasts(ep);
      out.set(sourceKey(ep, loc), {
        sig: [ep, loc.portNo, seg, ep.mac === serverMac, dhcp ? dhcp.server.mac : '', dhcp ? targetKey(dhcp.t) : '', may, ...(may ? bcastSig : [])],
        build: () => {
          const flows: DesiredFlow[] = [];
          const bcast: Action[] = may ? fabricCopies(false, 'broadcast', seg, local, remote) : [];
          accessFlows10(net, ep, loc, bcast, dhcp, flows);
          return { flows };
        },
      });
      if (sourceAddresses10(ep).length === 0) continue;
      for (const d of net.reach(ep)) {
        const t = targets.get(d.id);
        if (!t) continue;
        out.set(unicastKey(ep, loc, d), { sig: [ep, loc.portNo, d.mac, targetKey(t)], build: () => unicastPiece10(ep, loc, d, t) });
      }
    }
  }
  const n = netPiece(ctx, net);
  if (n) out.set(NET_KEY, n);
  return out;
}

function unicastPiece10(ep: Endpoint, loc: Location, d: Endpoint, t: Target): { flows: DesiredFlow[] } {
  const flows: DesiredFlow[] = [];
  unicastFlows10(ep, loc, d, t, flows);
  return { flows };
}
