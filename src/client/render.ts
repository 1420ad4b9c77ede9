// Human-readable renderings of the API's answers (the --json flag prints the
// answers themselves instead).
import { GROUP_TYPE_NAMES, type FlowEntryInfo, type GroupTypeName, type SwitchGroupTypeInfo, type SwitchInfo } from '../api/deps.js';
import type { ExplainReport } from '../explain/explain.js';
import type { Network, Vm } from '../model/types.js';
import { Port } from '../openflow/wire-values.js';
import type { TraceReport } from '../sim/trace.js';
import { table } from './table.js';

/** A switch as the topology names it: "e1 (0000000000000001)", or the datapath id alone. */
export function switchLabel(dpid: string, names: ReadonlyMap<string, string>): string {
  const name = names.get(dpid);
  return name ? `${name} (${dpid})` : dpid;
}

export function namesOf(switches: readonly SwitchInfo[]): Map<string, string> {
  return new Map(switches.filter((s) => s.name).map((s) => [s.dpid, s.name!]));
}

export function renderSwitches(b: { switches: SwitchInfo[] }): string {
  if (!b.switches.length) return 'no switches\n';
  const names = namesOf(b.switches);
  return table(
    ['SWITCH', 'ROLE', 'VERSION', 'CONNECTED', 'PORTS', 'FLOWS', 'TABLE USED/BUDGET', 'GROUPS USED/MAX', 'REALIZED'],
    b.switches.map((s) => [switchLabel(s.dpid, names), s.role ?? '-', s.version ?? '-', s.connected ? 'yes' : 'no', s.ports.length, s.flowCount, tableUseText(s.table), groupsText(s), s.realizedGeneration ?? '-']),
  );
}

/** How `spotlight switches` names the group types. */
const GROUP_LABELS: Record<GroupTypeName, string> = { all: 'all', select: 'select', indirect: 'indirect', fastFailover: 'ff' };

const groupUse = (t: SwitchGroupTypeInfo): string => (t.supported ? `${t.inUse}/${t.maxGroups}` : t.inUse > 0 ? `${t.inUse}/unsupported` : 'unsupported');

/**
 * The groups column: the two types Spotlight uses, "select 2/4294967040 ff
 * 0/4294967040" (used/max, or "unsupported"); "none (OF1.0)"; "not
 * reported" for a connected OF1.3 switch that gave no group features (so
 * Spotlight uses none); "-" otherwise (disconnected, version unknown).
 */
export function groupsText(s: SwitchInfo): string {
  const g = s.groups;
  if (!g) return g === null && s.version === '1.0' ? 'none (OF1.0)' : '-';
  if (g.reported) return `select ${groupUse(g.types.select)} ff ${groupUse(g.types.fastFailover)}`;
  if (!s.connected) return '-';
  const used = GROUP_TYPE_NAMES.reduce((n, t) => n + g.types[t].inUse, 0);
  return used > 0 ? `not reported, ${used} in use` : 'not reported';
}

/** `spotlight switches --groups`: per switch and group type, whether the switch supports it, its max and Spotlight's groups of it. */
export function renderSwitchGroups(b: { switches: SwitchInfo[] }): string {
  if (!b.switches.length) return 'no switches\n';
  const names = namesOf(b.switches);
  const rows: (string | number)[][] = [];
  for (const s of b.switches) {
    const label = switchLabel(s.dpid, names);
    const g = s.groups;
    if (!g) {
      rows.push([label, '-', g === null && s.version === '1.0' ? 'none (OpenFlow 1.0 has no groups)' : '-', '-', '-']);
      continue;
    }
    GROUP_TYPE_NAMES.forEach((t, i) => {
      const x = g.types[t];
      const supported = x.supported === null ? (s.connected ? 'not reported' : 'not connected') : x.supported ? 'yes' : 'no';
      rows.push([i === 0 ? label : '', GROUP_LABELS[t], supported, x.inUse, x.maxGroups ?? '-']);
    });
  }
  return table(['SWITCH', 'GROUP TYPE', 'SUPPORTED', 'IN USE', 'MAX'], rows);
}

/** "120/2000" (flows), "240/2000 tcam" (pica8 TCAM entries), "120/-" without a budget. */
export function tableUseText(t: SwitchInfo['table']): string {
  if (!t) return '-';
  return `${t.used}/${t.budget ?? '-'}${t.unit === 'tcam entries' ? ' tcam' : ''}`;
}

export function renderVms(b: { vms: Vm[] }): string {
  if (!b.vms.length) return 'no VMs\n';
  const rows: (string | number)[][] = [];
  for (const vm of b.vms) {
    const dest = (mac: string): string => {
      const d = vm.migration?.destinations.find((x) => x.mac === mac);
      return d ? `migrating to ${d.switch}:${d.port}${vm.migration!.activated ? ' (switched over)' : ''}` : '';
    };
    const held = (mac: string): string => {
      const d = vm.heldMigration?.destinations.find((x) => x.mac === mac);
      return d ? `migration to ${d.switch}:${d.port} held for the ${vm.heldMigration!.askedBy === 'source' ? 'destination' : 'source'}` : '';
    };
    const mig = vm.migration ? (vm.migration.activated ? 'migrating (switched over)' : 'migrating') : '';
    vm.interfaces.forEach((i, n) => rows.push([n === 0 ? vm.name : '', n === 0 ? vm.tenant : '', i.mac, i.ips.join(',') || '-', i.network, `${i.switch}:${i.port}`, dest(i.mac) || held(i.mac)]));
    if (!vm.interfaces.length) rows.push([vm.name, vm.tenant, '-', '-', '-', '-', mig]);
  }
  return table(['VM', 'TENANT', 'MAC', 'IPS', 'NETWORK', 'AT', 'STATE'], rows);
}

export function renderNetworks(b: { networks: (Network & { vms?: string[] })[] }): string {
  if (!b.networks.length) return 'no networks\n';
  return table(
    ['NETWORK', 'TENANT', 'KIND', 'SEGMENT', 'CIDRS', 'GATEWAYS', 'VMS'],
    b.networks.map((n) => [n.name, n.tenant, n.kind, n.segment, n.cidrs.join(',') || '-', n.gateways.map((g) => g.mac).join(',') || '-', (n.vms ?? []).join(',') || '-']),
  );
}

/** Cuts text to `width` characters, marking the cut. */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(1, width - 1))}~`;
}

/**
 * The flows as a table that fits `columns` characters: the match and the
 * actions share what the fixed columns leave, each cut with "~" when longer
 * (--json gives them whole).
 */
export function renderFlows(b: { switch: string; version: string; flows: FlowEntryInfo[] }, columns = 120): string {
  const head = `switch ${b.switch} (OpenFlow ${b.version}): ${b.flows.length} flows\n`;
  const fixed = ['TABLE', 'PRIORITY', 'PACKETS', 'BYTES', 'COOKIE', 'METER'];
  const rows = b.flows.map((f) => [f.table, f.priority, f.packets, f.bytes, f.cookie, f.meter ?? '-']);
  const widths = fixed.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const left = Math.max(20, columns - widths.reduce((a, w) => a + w + 2, 0) - 2);
  const matchWidth = Math.max(10, Math.floor(left * 0.55));
  const actionWidth = Math.max(10, left - matchWidth);
  return head + table([...fixed, 'MATCH', 'ACTIONS'], b.flows.map((f, i) => [...rows[i]!, fit(f.match || '*', matchWidth), fit(f.actions, actionWidth)]));
}

export interface GenerationsView {
  generation: number;
  switches: { dpid: string; name?: string; connected: boolean; realized: number | null; lag: number | null }[];
}

export function generationsView(health: { generation: number }, sw: { switches: SwitchInfo[] }): GenerationsView {
  return {
    generation: health.generation,
    switches: sw.switches.map((s) => ({
      dpid: s.dpid,
      ...(s.name ? { name: s.name } : {}),
      connected: s.connected,
      realized: s.realizedGeneration,
      lag: s.connected && s.realizedGeneration !== null ? health.generation - s.realizedGeneration : null,
    })),
  };
}

export function renderGenerations(v: GenerationsView): string {
  const head = `model generation ${v.generation}\n`;
  if (v.switches.length === 0) return `${head}no switches: none has connected, so none has realized a generation\n`;
  return head + table(['SWITCH', 'CONNECTED', 'REALIZED', 'LAG'], v.switches.map((s) => [s.name ? `${s.name} (${s.dpid})` : s.dpid, s.connected ? 'yes' : 'no', s.realized ?? '-', s.lag ?? '-']));
}

function renderSteps(t: TraceReport, indent: string): string[] {
  const lines: string[] = [];
  let last = '';
  for (const s of t.steps) {
    if (s.switch !== last) lines.push(`${indent}switch ${s.switch}, in port ${s.inPort}`);
    last = s.switch;
    if (s.stage === null) lines.push(`${indent}  table ${s.table}: no flow matched (table miss, dropped)`);
    else {
      const outs = s.outputs.map((p) => (p === Port.CONTROLLER ? 'controller' : `port ${p}`)).join(', ');
      lines.push(`${indent}  table ${s.table} ${s.stage}: priority ${s.priority} ${s.match || '*'} -> ${s.actions}${outs ? ` [out: ${outs}]` : ''}`);
    }
  }
  return lines;
}

export function verdictLine(t: TraceReport): string {
  switch (t.verdict) {
    case 'delivered':
      return `delivered to ${t.delivered.map((d) => `${d.switch}:${d.port}`).join(', ')}${t.controller.length ? ' and the controller' : ''}`;
    case 'controller':
      return `sent to the controller from ${t.controller.map((c) => c.switch).join(', ')}`;
    case 'looped':
      return 'looped (hop limit reached)';
    case 'dropped':
      return t.droppedAt ? `dropped on ${t.droppedAt.switch} at ${t.droppedAt.stage ?? `table ${t.droppedAt.table} (miss)`}` : 'dropped (no flows on the ingress switch)';
  }
}

export function renderTrace(b: TraceReport & { in: { switch: string; port: number } }): string {
  return [`packet in on ${b.in.switch} port ${b.in.port}`, ...renderSteps(b, '  '), `verdict: ${verdictLine(b)}`].join('\n') + '\n';
}

export function renderExplain(r: ExplainReport): string {
  const lines = [`${r.from} -> ${r.to}: ${r.allowed ? 'ALLOWED' : 'DENIED'} (${r.rule})`, `  ${r.reason}`];
  for (const n of r.networks) lines.push(`  on ${n.network} (${n.kind}): ${n.allowed ? `allowed by ${n.rule}` : 'denied'}`);
  for (const p of r.paths) {
    lines.push(`  ${p.direction === 'forward' ? `${r.from} -> ${r.to}` : `${r.to} -> ${r.from}`} on ${p.network}, from ${p.from.switch} port ${p.from.port}: ${verdictLine(p.trace)}`);
    lines.push(...renderSteps(p.trace, '    '));
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  if (!r.flowsAgree) lines.push('  WARNING: the compiled flows do not carry traffic as the contract says; check GET /v1/switches and the log');
  return lines.join('\n') + '\n';
}
