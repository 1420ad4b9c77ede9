// The pipeline as data: every stage of both lowerings, the fields its flows may
// match, where its flows may go next, and what a miss does. Every generated
// flow is checked against its stage (checkFlow) on every compile, and
// flows/PIPELINE.md lists the same stages (a test keeps the two in step).
import { Port } from '../openflow/wire-values.js';
import { type MatchField } from '../openflow/flow-model.js';
import type { DesiredFlow } from './types.js';

export type Lowering = 'of13' | 'of10';
/** A stage whose flows exist in both lowerings. */
export type StageLowering = Lowering | 'both';

export interface StageDecl {
  name: string;
  lowering: StageLowering;
  /** Its table; 'every' for the table-miss stage, which has a flow in each table. */
  tableId: number | 'every';
  /** Fields its flows may match. */
  match: readonly MatchField[];
  /** Stages its flows may jump to (goto-table). */
  next: readonly string[];
  /** May its flows output to the controller? */
  controller: boolean;
  summary: string;
}

const ACCESS13: MatchField[] = ['inPort', 'ethSrc', 'ethDst', 'ethType', 'ipv4Src', 'ipv6Src', 'ipProto', 'udpSrc', 'udpDst', 'arpOp', 'arpSha', 'arpSpa', 'icmpv6Type', 'ipv6NdTarget', 'ipv6NdSll', 'ipv6NdTll'];

export const STAGES: readonly StageDecl[] = [
  { name: 'lldp-trap', lowering: 'both', tableId: 0, match: ['inPort', 'ethType', 'ethDst'], next: [], controller: true, summary: "LLDP to the nearest-bridge address goes to the controller (discovery), above every other flow, from any port; OF1.3: each fabric port apart, outside the switch's packet-in meter" },
  { name: 'port-security', lowering: 'of13', tableId: 0, match: ['inPort', 'ethSrc', 'vlanVid'], next: ['address-security', 'transit'], controller: false, summary: 'an access port with a bound source MAC (untagged) enters with its network in metadata; a fabric port with a tagged frame goes to transit' },
  { name: 'transit', lowering: 'of13', tableId: 1, match: ['inPort', 'vlanVid', 'vlanPcp'], next: ['egress'], controller: false, summary: "a frame tagged with this switch's label loses the tag and goes to egress; another switch's label goes on towards it (its SELECT group, or the fast-failover group of its one next hop); an unmarked frame with a label this switch does not carry, sent back by a neighbour, goes up another fabric port, marked" },
  { name: 'address-security', lowering: 'of13', tableId: 2, match: ACCESS13, next: ['reachability'], controller: true, summary: 'source IPv4/IPv6, ARP sender, ND options, DHCP-server and RA guards; broadcast ARP requests, gratuitous ARP, RARP and multicast neighbour solicitations to the controller, unicast ones on' },
  { name: 'reachability', lowering: 'of13', tableId: 3, match: ['metadata', 'inPort', 'ethSrc', 'ethDst', 'ethType', 'ipProto', 'udpDst'], next: ['forward'], controller: false, summary: 'private: the whole network; public: per source, the destinations it may reach; gateways reach all; DHCP requests pass' },
  { name: 'forward', lowering: 'of13', tableId: 4, match: ['metadata', 'ethDst', 'ethType', 'ipProto', 'udpDst'], next: [], controller: false, summary: "DHCP requests to the server only; unicast out a local port or tagged with the destination switch's label; broadcast to local members and each member switch" },
  { name: 'egress', lowering: 'of13', tableId: 5, match: ['ethDst', 'ethType', 'mplsLabel', 'mplsTc'], next: [], controller: false, summary: "frames that arrived tagged with this switch's label: unicast out the destination's port; a network's broadcast, multicast or DHCP request restored and out its members' (or server's) ports" },
  { name: 'access', lowering: 'of10', tableId: 0, match: ['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'ethType', 'ipv4Src', 'ipProto', 'udpSrc', 'udpDst', 'arpOp', 'arpSpa'], next: [], controller: true, summary: 'per bound source and address: broadcast ARP to the controller, DHCP guard and requests, unicast (IPv4 and ARP) per reachable destination, broadcast' },
  { name: 'port-guard', lowering: 'of10', tableId: 0, match: ['inPort'], next: [], controller: false, summary: 'anything else from a non-fabric port is dropped before the fabric flows can see it' },
  { name: 'fabric', lowering: 'of10', tableId: 0, match: ['inPort', 'vlanVid', 'ethDst'], next: [], controller: false, summary: "tagged frames from fabric ports: this switch's label is delivered (tag stripped, network broadcast restored), another label goes on towards its switch" },
  { name: 'table-miss', lowering: 'both', tableId: 'every', match: [], next: [], controller: false, summary: 'what no flow matches is dropped' },
];

const byName = new Map(STAGES.map((s) => [s.name, s]));

/** OF1.3 tables in use, ascending: each ends in a table-miss drop. */
export const OF13_TABLES: readonly number[] = [...new Set(STAGES.filter((s) => s.lowering === 'of13').map((s) => s.tableId as number))].sort((a, b) => a - b);

export function stage(name: string): StageDecl {
  const s = byName.get(name);
  if (!s) throw new Error(`unknown stage ${name}`);
  return s;
}

export function tableOf(name: string): number {
  const t = stage(name).tableId;
  if (t === 'every') throw new Error(`stage ${name} spans every table`);
  return t;
}

/** The stage a table belongs to in a lowering (the one its flows decide; the LLDP trap and misses aside). */
export function tableStage(tableId: number, lowering: Lowering): string | null {
  return STAGES.find((s) => s.lowering === lowering && s.tableId === tableId && s.name !== 'port-guard' && s.name !== 'fabric')?.name ?? null;
}

/** Per stage, its allowed fields and the tables it may go to, for checkFlow. */
const checks = new Map(
  STAGES.map((s) => [
    s.name,
    {
      s,
      fields: new Set<string>(s.match),
      gotos: new Set(STAGES.filter((t) => s.next.includes(t.name) && t.tableId !== 'every').map((t) => t.tableId as number)),
    },
  ]),
);

/**
 * Why a flow breaks its stage's declaration, or null when it keeps to it.
 * Run on every flow the compiler lowers (src/compiler/piece-store.ts), so it
 * stays a few set lookups per flow.
 */
export function checkFlow(f: DesiredFlow, lowering?: Lowering): string | null {
  const c = checks.get(f.stage);
  if (!c) return `unknown stage ${f.stage}`;
  const s = c.s;
  if (lowering && s.lowering !== 'both' && s.lowering !== lowering) return `${f.stage}: a ${s.lowering} stage on an ${lowering} switch`;
  if (s.tableId !== 'every' && f.tableId !== s.tableId) return `${f.stage}: table ${f.tableId}, declared ${s.tableId}`;
  const m = f.match as Record<string, unknown>;
  for (const k in m) if (m[k] !== undefined && !c.fields.has(k)) return `${f.stage}: matches ${k}, not declared`;
  for (const ins of f.instructions) {
    if (ins.type === 'gotoTable' && !c.gotos.has(ins.tableId)) return `${f.stage}: goto table ${ins.tableId} not among ${s.next.join(',')}`;
    if (ins.type === 'applyActions' && !s.controller) {
      for (const a of ins.actions) if (a.type === 'output' && a.port === Port.CONTROLLER) return `${f.stage}: outputs to the controller`;
    }
    if ((lowering === 'of10' || s.lowering === 'of10') && ins.type !== 'applyActions') return `${f.stage}: OF1.0 flow with ${ins.type}`;
  }
  return null;
}
