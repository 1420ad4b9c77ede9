// The pipeline as data: every stage of both lowerings, the fields its flows may
// match, where its flows may go next, and what a miss does. Every generated
// flow is checked against its stage (checkFlow), and flows/PIPELINE.md lists
// the same stages (a test keeps the two in step).
import type { MatchField } from '../openflow/types.js';
import type { DesiredFlow } from './types.js';

export type Lowering = 'of13' | 'of10';
/** A stage whose flows are the same in both lowerings (table 0, apply-actions only). */
export type StageLowering = Lowering | 'both';

export interface StageDecl {
  name: string;
  lowering: StageLowering;
  tableId: number;
  /** Fields its flows may match. */
  match: readonly MatchField[];
  /** Stages its flows may jump to (goto-table). */
  next: readonly string[];
  /** May its flows output to the controller? */
  controller: boolean;
  miss: 'drop';
  summary: string;
}

const ACCESS13: MatchField[] = ['inPort', 'ethSrc', 'ethDst', 'ethType', 'ipv4Src', 'ipProto', 'udpSrc', 'udpDst', 'arpOp', 'arpSha', 'arpSpa', 'ipv6Src', 'icmpv6Type', 'ipv6NdTarget', 'ipv6NdSll', 'ipv6NdTll'];

export const STAGES: readonly StageDecl[] = [
  { name: 'lldp-trap', lowering: 'both', tableId: 0, match: ['inPort', 'ethType', 'ethDst'], next: [], controller: true, miss: 'drop', summary: 'LLDP to the nearest-bridge address goes to the controller (discovery), above every other flow, from any port; OF1.3: each fabric port apart, outside the packet-in meter' },
  { name: 'port-security', lowering: 'of13', tableId: 0, match: ['inPort', 'ethSrc', 'vlanVid'], next: ['address-security', 'fabric-ingress'], controller: false, miss: 'drop', summary: 'access port + bound source MAC (untagged) enter with the network in metadata; fabric ports (tagged) go to fabric-ingress' },
  { name: 'fabric-ingress', lowering: 'of13', tableId: 1, match: ['vlanVid'], next: ['forward'], controller: false, miss: 'drop', summary: 'a fabric frame tagged with a segment loses its tag and carries the segment in metadata' },
  { name: 'address-security', lowering: 'of13', tableId: 2, match: ACCESS13, next: ['reachability'], controller: true, miss: 'drop', summary: 'source IPv4/IPv6, ARP sender, ND options, DHCP-server and RA guards; ARP requests, gratuitous ARP, RARP and neighbour solicitations to the controller' },
  { name: 'reachability', lowering: 'of13', tableId: 3, match: ['metadata', 'inPort', 'ethSrc', 'ethDst', 'ethType', 'ipProto', 'udpDst'], next: ['forward'], controller: false, miss: 'drop', summary: 'private: the whole segment; public: per source, the destinations it may reach; gateways reach all; DHCP requests pass' },
  { name: 'forward', lowering: 'of13', tableId: 4, match: ['metadata', 'ethDst', 'ethType', 'ipProto', 'udpDst'], next: [], controller: false, miss: 'drop', summary: 'DHCP requests towards the server; unicast to a local port or tagged to the next hop; broadcast along the tree' },
  { name: 'access', lowering: 'of10', tableId: 0, match: ['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'ethType', 'ipv4Src', 'ipProto', 'udpSrc', 'udpDst', 'arpOp', 'arpSpa'], next: [], controller: true, miss: 'drop', summary: 'per bound source and address: ARP to the controller, DHCP guard and requests, unicast per reachable destination, broadcast' },
  { name: 'port-guard', lowering: 'of10', tableId: 0, match: ['inPort'], next: [], controller: false, miss: 'drop', summary: 'anything else from a non-fabric port is dropped before the fabric flows can see it' },
  { name: 'fabric', lowering: 'of10', tableId: 0, match: ['vlanVid', 'ethDst', 'ethType', 'ipProto', 'udpDst'], next: [], controller: false, miss: 'drop', summary: 'tagged frames from the fabric: DHCP towards the server, unicast, broadcast along the tree' },
  { name: 'default', lowering: 'of10', tableId: 0, match: [], next: [], controller: false, miss: 'drop', summary: 'table-miss: drop' },
];

const byName = new Map(STAGES.map((s) => [s.name, s]));

export function stage(name: string): StageDecl {
  const s = byName.get(name);
  if (!s) throw new Error(`unknown stage ${name}`);
  return s;
}

export function tableOf(name: string): number {
  return stage(name).tableId;
}

/** Why a flow breaks its stage's declaration, or null when it keeps to it. */
export function checkFlow(f: DesiredFlow): string | null {
  const s = byName.get(f.stage);
  if (!s) return `unknown stage ${f.stage}`;
  if (f.tableId !== s.tableId) return `${f.stage}: table ${f.tableId}, declared ${s.tableId}`;
  for (const k of Object.keys(f.match) as MatchField[]) {
    if (f.match[k] === undefined) continue;
    if (!s.match.includes(k)) return `${f.stage}: matches ${k}, not declared`;
  }
  for (const ins of f.instructions) {
    if (ins.type === 'gotoTable') {
      const target = STAGES.find((t) => t.lowering === s.lowering && t.tableId === ins.tableId);
      if (!target || !s.next.includes(target.name)) return `${f.stage}: goto table ${ins.tableId} not among ${s.next.join(',')}`;
    }
    if (ins.type === 'applyActions' && !s.controller) {
      if (ins.actions.some((a) => a.type === 'output' && a.port === 0xfffffffd)) return `${f.stage}: outputs to the controller`;
    }
    if (s.lowering !== 'of13' && ins.type !== 'applyActions') return `${f.stage}: ${s.lowering === 'of10' ? 'OF1.0' : 'shared'} flow with ${ins.type}`;
  }
  return null;
}
