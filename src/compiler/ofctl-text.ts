// DesiredFlow as `ovs-ofctl add-flows` text, so golden dumps read like what an
// operator types and Open vSwitch itself can load them. The match text is
// canonical (fixed field order, lower-case MACs, RFC 5952 IPv6). A flow's
// identity on its switch is the reconciler's flowKey (reconcile/match-key.ts).
import { MeterFlags, type Action, type Instruction, type Match, type MatchField, type MaybeMasked } from '../openflow/flow-model.js';
import { Port, VID_PRESENT, type OfVersion, OFP10_VERSION } from '../openflow/wire-values.js';
import { canonicalIpv6 } from '../openflow/addr.js';
import { OFP10_VLAN_NONE } from '../openflow/of10/constants.js';
import { OXM_BY_NAME, type OxmField } from '../openflow/of13/oxm-fields.js';
import { cmp } from './endpoints.js';
import { stage as stageDecl } from './pipeline.js';
import type { DesiredFlow, DesiredGroup, DesiredMeter } from './types.js';

const hex = (n: number | bigint, width = 0): string => '0x' + n.toString(16).padStart(width, '0');

function masked<T extends string | number | bigint>(v: MaybeMasked<T>, fmt: (x: T) => string): string {
  if (typeof v === 'object' && v !== null && 'value' in v) {
    return v.mask === undefined ? fmt(v.value) : `${fmt(v.value)}/${fmt(v.mask)}`;
  }
  return fmt(v as T);
}

const mac = (m: string): string => m.toLowerCase();

/** The fields of the canonical text, in its order; their ovs-ofctl keywords come from the OXM table. */
const ORDER: readonly MatchField[] = [
  'inPort', 'metadata', 'ethSrc', 'ethDst', 'vlanVid', 'vlanPcp', 'ethType', 'ipv4Src', 'ipv4Dst', 'ipv6Src', 'ipv6Dst', 'ipProto',
  'udpSrc', 'udpDst', 'tcpSrc', 'tcpDst', 'arpOp', 'arpSpa', 'arpTpa', 'arpSha', 'arpTha', 'icmpv6Type', 'icmpv6Code',
  'ipv6NdTarget', 'ipv6NdSll', 'ipv6NdTll', 'mplsLabel', 'mplsTc',
];
const KNOWN = new Set(ORDER);

/** One field as ovs-ofctl writes it: its keyword, then its value (and mask) in the field's own text. */
function fieldText(f: MatchField, m: Match, version: OfVersion): string {
  const v = m[f] as MaybeMasked<string | number | bigint>;
  if (f === 'vlanVid') return vlanText(v as MaybeMasked<number>, version);
  const d = OXM_BY_NAME.get(f)!;
  if (f === 'ethType') return `${d.ofctl}=${hex(v as number, 4)}`;
  return `${d.ofctl ?? f}=${masked(v, (x) => valueText(d, x))}`;
}

function valueText(d: OxmField, x: string | number | bigint): string {
  if (d.kind === 'mac') return mac(String(x));
  if (d.kind === 'ipv6') return canonicalIpv6(String(x));
  if (d.kind === 'u64') return hex(x as bigint);
  return String(x);
}

function vlanText(v: MaybeMasked<number>, version: OfVersion): string {
  const value = typeof v === 'number' ? v : v.value;
  const mask = typeof v === 'number' ? undefined : v.mask;
  if (version === OFP10_VERSION) return value === OFP10_VLAN_NONE ? 'dl_vlan=0xffff' : `dl_vlan=${value}`;
  if (mask !== undefined) return `vlan_tci=${hex(value, 4)}/${hex(mask | 0, 4)}`;
  if (value === 0) return 'vlan_tci=0x0000/0x1fff';
  return `dl_vlan=${value & 0xfff}`;
}

export function matchText(m: Match, version: OfVersion): string {
  const parts: string[] = [];
  for (const f of ORDER) if (m[f] !== undefined) parts.push(fieldText(f, m, version));
  for (const k of Object.keys(m).sort() as MatchField[]) {
    if (!KNOWN.has(k) && m[k] !== undefined) parts.push(`${k}=${String(m[k])}`);
  }
  return parts.join(',');
}

function portText(p: number): string {
  switch (p) {
    case Port.CONTROLLER:
      return 'CONTROLLER:65535';
    case Port.IN_PORT:
      return 'IN_PORT';
    case Port.LOCAL:
      return 'LOCAL';
    default:
      return String(p);
  }
}

function actionText(a: Action): string {
  switch (a.type) {
    case 'output':
      return a.port === Port.CONTROLLER ? `CONTROLLER:${a.maxLen ?? 65535}` : `output:${portText(a.port)}`;
    case 'pushVlan':
      return `push_vlan:${hex(a.ethertype, 4)}`;
    case 'popVlan':
      return 'pop_vlan';
    case 'pushMpls':
      return `push_mpls:${hex(a.ethertype, 4)}`;
    case 'popMpls':
      return `pop_mpls:${hex(a.ethertype, 4)}`;
    case 'group':
      return `group:${a.groupId}`;
    case 'setDlDst':
      return `mod_dl_dst:${a.mac.toLowerCase()}`;
    case 'stripVlan':
      return 'strip_vlan';
    case 'setVlanVid':
      return `mod_vlan_vid:${a.vid}`;
    case 'setField':
      if (a.field === 'vlanVid') return `set_field:${Number(a.value) | VID_PRESENT}->vlan_vid`;
      // ovs-ofctl prints a rewritten destination MAC as eth_dst (a match on it as dl_dst).
      if (a.field === 'ethDst') return `set_field:${String(a.value)}->eth_dst`;
      return `set_field:${String(a.value)}->${OXM_BY_NAME.get(a.field)?.ofctl ?? a.field}`;
    default:
      return a.type;
  }
}

export function instructionsText(ins: Instruction[]): string {
  const parts: string[] = [];
  for (const i of ins) {
    if (i.type === 'applyActions') parts.push(...i.actions.map(actionText));
    else if (i.type === 'writeMetadata') parts.push(`write_metadata:${hex(i.metadata)}/${hex(i.mask)}`);
    else if (i.type === 'gotoTable') parts.push(`goto_table:${i.tableId}`);
    else if (i.type === 'meter') parts.push(`meter:${i.meterId}`);
    else parts.push(i.type);
  }
  return parts.length ? parts.join(',') : 'drop';
}

export function flowText(f: DesiredFlow, version: OfVersion): string {
  const m = matchText(f.match, version);
  // OF1.0 has one table, and naming it would need an extension.
  const table = version === OFP10_VERSION ? '' : `table=${f.tableId}, `;
  return `${table}priority=${f.priority}, cookie=${hex(f.cookie)}${m ? ', ' + m : ''} actions=${instructionsText(f.instructions)}`;
}

/** A group in `ovs-ofctl add-group` syntax. */
export function groupText(g: DesiredGroup): string {
  const buckets = g.buckets.map((b) => `bucket=${g.groupType === 'select' ? `weight:${b.weight},` : ''}${b.watchPort !== Port.ANY ? `watch_port:${b.watchPort},` : ''}actions=${b.actions.map(actionText).join(',')}`);
  return `group_id=${g.groupId},type=${g.groupType === 'ff' ? 'fast_failover' : g.groupType},${buckets.join(',')}`;
}

/** A meter in `ovs-ofctl add-meter` syntax. */
export function meterText(m: DesiredMeter): string {
  const flags = [m.flags & MeterFlags.KBPS ? 'kbps' : '', m.flags & MeterFlags.PKTPS ? 'pktps' : '', m.flags & MeterFlags.BURST ? 'burst' : '', m.flags & MeterFlags.STATS ? 'stats' : ''].filter(Boolean);
  const bands = m.bands.map((b) => `type=${b.type === 'drop' ? 'drop' : b.type === 'dscpRemark' ? 'dscp_remark' : 'experimenter'},rate=${b.rate},burst_size=${b.burstSize}`);
  return `meter=${m.meterId},${flags.join(',')},bands=${bands.join(' ')}`;
}

/**
 * A whole switch, ordered by table, then stage, then priority (high first),
 * then match; a comment heads each stage. Meters and groups (which flows name)
 * come first, as comment lines: `ovs-ofctl add-flows` takes only flows.
 */
export function switchText(flows: DesiredFlow[], version: OfVersion, groups: readonly DesiredGroup[] = [], meters: readonly DesiredMeter[] = []): string {
  const head = [
    ...[...meters].sort((a, b) => a.meterId - b.meterId).map((m) => `# meter ${meterText(m)}`),
    ...[...groups].sort((a, b) => a.groupId - b.groupId).map((g) => `# group ${groupText(g)}`),
  ];
  const sorted = [...flows].sort((a, b) => a.tableId - b.tableId || cmp(a.stage, b.stage) || b.priority - a.priority || cmp(matchText(a.match, version), matchText(b.match, version)));
  const lines: string[] = [...head];
  let last = '';
  for (const f of sorted) {
    if (f.stage !== last) {
      lines.push(`# stage ${f.stage} (table ${f.tableId}): ${stageDecl(f.stage).summary}`);
      last = f.stage;
    }
    lines.push(flowText(f, version));
  }
  return lines.join('\n') + '\n';
}
