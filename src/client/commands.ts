// The operator commands of `spotlight`, beside `serve`: they talk to a running
// controller through its API (--api URL or SPOTLIGHT_URL, --token or
// SPOTLIGHT_API_TOKEN) and print tables, or the API's JSON with --json.
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { ClusterStatus, FlowEntryInfo, SwitchInfo } from '../api/deps.js';
import type { ExplainReport } from '../explain/explain.js';
import type { Network, Vm } from '../model/types.js';
import type { TraceReport } from '../sim/trace.js';
import { ApiClient, type ClientError, type ClientResult } from './api-client.js';
import { followEvents } from './events.js';
import { renderClusterStatus } from './render-cluster.js';
import { generationsView, renderExplain, renderFlows, renderGenerations, renderNetworks, renderSwitchGroups, renderSwitches, renderTrace, renderVms } from './render.js';

export interface ClientIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Exit status of the command (0 ok, 1 API error, 3 explain says denied or trace says dropped). */
  setExit: (code: number) => void;
  /** Terminal width for tables that must fit (flows); 120 when unknown. */
  columns?: number;
}

const defaultIo = (): ClientIo => ({
  ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  setExit: (c) => {
    process.exitCode = c;
  },
});

interface CommonOptions {
  api?: string;
  token?: string;
  json?: boolean;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

function withCommon(cmd: Command): Command {
  return cmd
    .option('--api <url>', `controller API (env SPOTLIGHT_URL, default ${DEFAULT_API_URL})`)
    .option('--token <token>', 'API token (env SPOTLIGHT_API_TOKEN)')
    .option('--json', 'print the API answer as JSON');
}

export function registerClientCommands(program: Command, io: ClientIo = defaultIo()): void {
  const cx = commandContext(io);
  registerReadings(program, cx);
  registerVerdicts(program, cx);
  registerEvents(program, cx);
  registerExportImport(program, cx);
}

/** What every command shares: the API client its options name, and how answers and errors are printed. */
interface CommandContext {
  io: ClientIo;
  /** The controller the options name (--api, --token, or the environment). */
  target(o: CommonOptions): { url: string; token?: string };
  client(o: CommonOptions): ApiClient;
  /** Errors go to standard error (never into `spotlight export > FILE`); with --json as the API's error shape. */
  reportError(o: CommonOptions, e: ClientError): void;
  /** Prints the answer (JSON with --json, else `human`), or reports its error; whether it was an answer. */
  show<T>(o: CommonOptions, r: ClientResult<T>, human: (b: T) => string): boolean;
}

function commandContext(io: ClientIo): CommandContext {
  const reportError = (o: CommonOptions, e: ClientError): void => {
    if (o.json) io.err(`${JSON.stringify({ error: { code: e.code, message: e.message, ...(e.status ? { status: e.status } : {}) } })}\n`);
    else io.err(`error: ${e.message} (${e.code}${e.status ? `, HTTP ${e.status}` : ''})\n`);
    io.setExit(1);
  };
  const target = (o: CommonOptions): { url: string; token?: string } => {
    const token = o.token ?? io.env.SPOTLIGHT_API_TOKEN;
    return { url: o.api ?? io.env.SPOTLIGHT_URL ?? DEFAULT_API_URL, ...(token ? { token } : {}) };
  };
  return {
    io,
    target,
    client: (o) => new ApiClient(target(o)),
    reportError,
    show: (o, r, human) => {
      if (!r.ok) {
        reportError(o, r.error);
        return false;
      }
      io.out(o.json ? `${JSON.stringify(r.body, null, 2)}\n` : human(r.body));
      return true;
    },
  };
}

/** switches, status, vms, networks, flows, generations: what the controller holds, as tables. */
function registerReadings(program: Command, cx: CommandContext): void {
  withCommon(program.command('switches').description('switches: datapath id, version, connection, ports, flow count, OpenFlow 1.3 groups used against the max, realized generation'))
    .option('--groups', 'per switch and group type: supported, groups in use, max groups')
    .action(
      async (o: CommonOptions & { groups?: boolean }) =>
        void cx.show(o, await cx.client(o).get<{ switches: SwitchInfo[] }>('/v1/switches'), o.groups ? renderSwitchGroups : renderSwitches),
    );

  withCommon(program.command('status').description("the controller instances, the leader, each switch's master and the etcd members' health")).action(
    async (o: CommonOptions) => void cx.show(o, await cx.client(o).get<ClusterStatus>('/v1/cluster'), renderClusterStatus),
  );

  withCommon(program.command('vms').description('VMs with their interfaces and where they are attached')).action(
    async (o: CommonOptions) => void cx.show(o, await cx.client(o).get<{ vms: Vm[] }>('/v1/vms'), renderVms),
  );

  withCommon(program.command('networks').description('networks: tenant, kind, segment, cidrs, gateways, VMs')).action(
    async (o: CommonOptions) => void cx.show(o, await cx.client(o).get<{ networks: Network[] }>('/v1/networks'), renderNetworks),
  );

  withCommon(program.command('flows').argument('<switch>', 'datapath id, colon form or switch name').description('flows on a switch, read from it now, with counters')).action(
    async (sw: string, o: CommonOptions) =>
      void cx.show(o, await cx.client(o).get<{ switch: string; version: string; flows: FlowEntryInfo[] }>(`/v1/switches/${encodeURIComponent(sw)}/flows`), (b) => renderFlows(b, cx.io.columns ?? 120)),
  );

  withCommon(program.command('generations').description('model generation and the generation each switch has realized')).action(async (o: CommonOptions) => {
    const c = cx.client(o);
    const health = await c.get<{ generation: number }>('/v1/health');
    if (!health.ok) return void cx.show(o, health, () => '');
    const sw = await c.get<{ switches: SwitchInfo[] }>('/v1/switches');
    if (!sw.ok) return void cx.show(o, sw, () => '');
    const view = generationsView(health.body, sw.body);
    cx.show(o, { ok: true, status: 200, body: view }, renderGenerations);
  });
}

/** explain and trace: verdicts that also set the exit status (3 when denied or dropped). */
function registerVerdicts(program: Command, cx: CommandContext): void {
  withCommon(
    program
      .command('explain')
      .argument('<a>', 'VM name (or a gateway MAC)')
      .argument('<b>', 'VM name (or a gateway MAC)')
      .description('may A reach B, which rule of the contract decides it, which flows carry it (exit 3 when denied)'),
  ).action(async (a: string, b: string, o: CommonOptions) => {
    const r = await cx.client(o).get<ExplainReport>('/v1/explain', { from: a, to: b });
    if (cx.show(o, r, renderExplain) && r.ok && !r.body.allowed) cx.io.setExit(3);
  });

  withCommon(
    program
      .command('trace')
      .argument('<packet...>', 'in=SWITCH:PORT eth_src=MAC eth_dst=MAC [vlan=N] [arp|rarp|ipv4|udp|dhcp|ipv6|icmpv6|nd_ns|nd_na|ra] [field=value ...]')
      .description('run a described packet through the compiled tables and print each stage it passes (exit 3 when dropped)'),
  ).action(async (words: string[], o: CommonOptions) => {
    const r = await cx.client(o).get<TraceReport & { in: { switch: string; port: number } }>('/v1/trace', { packet: words.join(' ') });
    // Like explain when reach is denied: a dropped packet exits 3, so scripts can test it.
    if (cx.show(o, r, renderTrace) && r.ok && r.body.verdict === 'dropped') cx.io.setExit(3);
  });
}

/** events: the event stream, followed. */
function registerEvents(program: Command, cx: CommandContext): void {
  withCommon(
    program
      .command('events')
      .option('--since <seq>', 'start after this sequence number (resume)', (v) => {
        if (!/^[0-9]{1,15}$/.test(v)) throw new InvalidArgumentError('expected a sequence number');
        return Number(v);
      })
      .option('--count <n>', 'stop after this many events', (v) => {
        if (!/^[1-9][0-9]{0,8}$/.test(v)) throw new InvalidArgumentError('expected a positive count');
        return Number(v);
      })
      .description('follow the event stream: model changes, switches, links, realization, spoof-drop surges, migrations'),
  ).action(async (o: CommonOptions & { since?: number; count?: number }) => {
    const code = await followEvents({
      ...cx.target(o),
      ...(o.since !== undefined ? { since: o.since } : {}),
      ...(o.count !== undefined ? { count: o.count } : {}),
      json: o.json === true,
      out: cx.io.out,
      err: cx.io.err,
    });
    cx.io.setExit(code);
  });
}

/** export and import: the whole model as one JSON document. */
function registerExportImport(program: Command, cx: CommandContext): void {
  withCommon(program.command('export').description('the whole model as one JSON document on standard output (spotlight export > FILE)')).action(async (o: CommonOptions) => {
    const r = await cx.client({ ...o, json: true }).get<unknown>('/v1/export');
    cx.show({ ...o, json: true }, r, () => '');
  });

  withCommon(
    program.command('import').argument('<file>', 'an export file (spotlight export)').description('load an export file into a controller whose store is empty'),
  ).action(async (file: string, o: CommonOptions) => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      cx.reportError(o, { code: 'unreadable_file', status: 0, message: `cannot read ${file}: ${(err as Error).message}` });
      return;
    }
    const r = await cx.client(o).post<{ generation: number; networks: number; vms: number; relations: number }>('/v1/import', text);
    cx.show(o, r, (b) => `imported ${b.networks} networks, ${b.vms} VMs, ${b.relations} relations at generation ${b.generation}\n`);
  });
}

/** Runs one operator command as `spotlight ARGS` would (tests, scripts); resolves with its exit status. */
export async function runClientCommand(args: string[], io: Partial<ClientIo> = {}): Promise<number> {
  let code = 0;
  const full: ClientIo = { ...defaultIo(), ...io, setExit: (c) => (code = c) };
  const program = new Command('spotlight').exitOverride();
  program.configureOutput({ writeOut: full.out, writeErr: full.err });
  registerClientCommands(program, full);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    const c = (err as { exitCode?: number }).exitCode;
    return typeof c === 'number' ? c : 1;
  }
  return code;
}
