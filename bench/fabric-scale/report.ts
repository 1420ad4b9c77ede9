// The figures of one or two runs side by side, with the ratio of the first to
// the second where both have a number.
import type { KindTally } from './events.js';
import type { PhaseLoad, RunResult } from './run.js';

type Cell = number | string | null | undefined;

interface Row {
  label: string;
  cells: Cell[];
  /** Digits after the point. */
  digits?: number;
  /** No ratio for this row. */
  noRatio?: boolean;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);

function text(c: Cell, digits: number): string {
  if (c === undefined || c === null || (typeof c === 'number' && Number.isNaN(c))) return '-';
  if (typeof c === 'string') return c;
  return c.toFixed(digits);
}

export function report(runs: RunResult[]): string[] {
  const out: string[] = [];
  const rows: Row[] = [];
  const row = (label: string, f: (r: RunResult) => Cell, digits = 1, noRatio = false) => rows.push({ label, cells: runs.map(f), digits, noRatio });
  const section = (label: string) => rows.push({ label: `-- ${label}`, cells: runs.map(() => ''), noRatio: true });
  const eld = (name: string, load: (r: RunResult) => PhaseLoad | undefined) => {
    row(`event-loop delay p50 ms (${name})`, (r) => ms(load(r)?.eventLoop?.p50), 2);
    row(`event-loop delay p99 ms (${name})`, (r) => ms(load(r)?.eventLoop?.p99), 1);
    row(`event-loop delay max ms (${name})`, (r) => ms(load(r)?.eventLoop?.max), 0);
  };
  const kind = (name: string, t: (r: RunResult) => KindTally | undefined) => {
    row(`${name}: done / sent`, (r) => (t(r) ? `${t(r)!.ok + t(r)!.late}/${t(r)!.sent}` : undefined), 0, true);
    row(`${name}: p50 ms`, (r) => pct(t(r)?.ms ?? [], 50), 1);
    row(`${name}: p99 ms`, (r) => pct(t(r)?.ms ?? [], 99), 1);
    row(`${name}: late (504 / unanswered), failed, skipped`, (r) => (t(r) ? `${t(r)!.late}, ${t(r)!.failed}, ${t(r)!.skipped}` : undefined), 0, true);
  };

  row('commit', (r) => r.commit, 0, true);
  row('start to /v1/health 200 (ms)', (r) => r.startToHealthMs, 0);
  row('switches up / total (OF1.0)', (r) => `${r.switches.up}/${r.switches.total} (${r.switches.of10})`, 0, true);
  row('links found / expected', (r) => `${r.discovery.links}/${r.discovery.expected}`, 0, true);
  row('discovery (s)', (r) => r.discovery.seconds, 1);
  section('registration through the hooks (no ?wait)');
  row('VMs registered / target', (r) => `${r.registration.vms}/${r.registration.target}`, 0, true);
  row('registration (s)', (r) => r.registration.seconds, 1);
  row('hooks per second', (r) => r.registration.vms / r.registration.seconds, 0);
  row('vm-start p50 / p99 ms', (r) => `${text(r.registration.p50, 1)} / ${text(r.registration.p99, 1)}`, 0, true);
  eld('start + registration', (r) => r.registration.load);
  row('flows realized on every switch (s after registration)', (r) => (r.settle.settled ? r.settle.seconds : `not in ${r.settle.seconds.toFixed(0)} s`), 1);
  row('flows held by the farm (all switches)', (r) => r.settle.flows, 0);
  row('flows held by the farm (largest switch)', (r) => r.settle.flowsMax, 0);
  section('idle');
  row('controller CPU, % of a core', (r) => (100 * r.idle.cpuSeconds) / r.idle.seconds, 1);
  eld('idle', (r) => r.idle);
  section('churn');
  row('churn (s, incl. draining)', (r) => r.churn.load.seconds, 1);
  kind('vm-start?wait', (r) => r.churn.tallies['vm-start']);
  kind('vm-stop?wait', (r) => r.churn.tallies['vm-stop']);
  kind('migration (start?wait, RARP, end?wait)', (r) => r.churn.tallies.migration);
  kind('ARP request answered', (r) => r.churn.tallies.arp);
  eld('churn', (r) => r.churn.load);
  row('controller CPU during churn, % of a core', (r) => (100 * r.churn.load.cpuSeconds) / r.churn.load.seconds, 1);
  section('CPU per event: controller CPU from the first event until quiet, less its idle rate measured just before');
  for (const k of ['tap-add', 'tap-remove', 'vm-start', 'vm-stop', 'migration', 'arp'] as const) {
    row(`${k}: ms CPU per event`, (r) => r.costs[k]?.cpuMsPerEvent, 1);
    row(`${k}: events, raw ms per event, idle % ${runs.some((r) => r.costs[k] && !r.costs[k]!.settled) ? '(* = did not go quiet)' : ''}`, (r) =>
      r.costs[k] ? `${r.costs[k]!.events}, ${text(r.costs[k]!.rawCpuMsPerEvent, 1)}, ${text(r.costs[k]!.idleCpuPercent, 0)}${r.costs[k]!.settled ? '' : '*'}` : undefined,
    0, true);
  }
  section('ARP flood');
  row('ARP answers per second', (r) => r.arp?.result.answersPerSecond, 0);
  row('controller CPU ms per ARP answer (flood)', (r) => r.arp?.cpuMsPerAnswer, 3);
  row('answers correct / wrong / unanswered', (r) => (r.arp ? `${r.arp.result.correct}/${r.arp.result.wrong}/${r.arp.result.unanswered}` : undefined), 0, true);
  row('ARP answer p50 / p99 ms', (r) => (r.arp ? `${text(r.arp.result.p50Ms, 1)} / ${text(r.arp.result.p99Ms, 1)}` : undefined), 0, true);
  row('farm CPU during the flood, % of a core (near 100: the farm, not the controller, sets the rate)', (r) => (r.arp ? (100 * r.arp.load.farmCpuSeconds) / r.arp.load.seconds : undefined), 0);
  eld('ARP flood', (r) => r.arp?.load);
  section('totals');
  row('switch sessions dropped (all phases)', (r) => [r.registration.load, r.settle.load, r.idle, r.churn.load, r.arp?.load].reduce((s, l) => s + (l?.drops ?? 0), 0), 0);
  row('switch sessions dropped during churn', (r) => r.churn.load.drops, 0);
  row('controller RSS MiB (end)', (r) => r.rssBytes / 2 ** 20, 0);
  row('farm RSS MiB, farm event-loop max ms (churn)', (r) => `${(r.farmRssBytes / 2 ** 20).toFixed(0)}, ${r.churn.load.farmEventLoopMaxMs.toFixed(0)}`, 0, true);
  row('farm CPU during churn, % of a core', (r) => (100 * r.churn.load.farmCpuSeconds) / r.churn.load.seconds, 1);
  row('machine load (1 min) at churn end', (r) => r.churn.load.load1, 2, true);
  row('whole scenario (s)', (r) => r.seconds, 0);

  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  const col = 24;
  out.push(''.padEnd(width) + runs.map((r) => r.label.padStart(col)).join('') + (runs.length === 2 ? 'ratio'.padStart(10) : ''));
  for (const r of rows) {
    let line = r.label.padEnd(width) + r.cells.map((c) => text(c, r.digits ?? 1).padStart(col)).join('');
    const [a, b] = r.cells;
    if (runs.length === 2 && !r.noRatio && typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b) && b !== 0) {
      line += `x${(a / b).toFixed(a / b < 10 ? 2 : 0)}`.padStart(10);
    }
    out.push(line);
  }
  for (const r of runs) for (const n of r.notes) out.push(`note (${r.label}): ${n}`);
  for (const r of runs) {
    for (const [k, t] of Object.entries(r.churn.tallies)) for (const e of t.errors) out.push(`error (${r.label}, ${k}): ${e}`);
  }
  return out;
}
