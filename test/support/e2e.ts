// End-to-end fixtures: a Mininet fabric (a ring of four switches unless a
// test gives another E2eFabric) with tenant hosts, the Spotlight controller
// as a child process (`spotlight serve` on ephemeral ports), and the
// registrations of a two-tenant cloud through the hooks. The reachability
// the contract allows is computed here from the scenario's own table,
// independently of the compiler. Other scenarios (attacks, the fat-tree)
// reuse it: E2eScenario.start(version, { spec, fabric }) with their own
// hosts, networks and relations, then registerAll(base, wait, spec),
// net.run/spawn/capture.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MininetNetwork } from './mininet.js';
import { until } from './wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Version = '1.0' | '1.3';

export interface E2eHost {
  name: string;
  switch: string;
  port: number;
  ip: string;
  mac: string;
  /** Registered as a VM (or gateway) in `network`; absent for an unregistered host. */
  network?: string;
  tenant?: string;
  gateway?: boolean;
  /** Not registered at start (migration twins, spare hosts). */
  spare?: boolean;
}

export interface E2eNetwork {
  name: string;
  tenant: string;
  kind: 'private' | 'public';
  cidrs: string[];
}

export const SWITCHES = ['s1', 's2', 's3', 's4'];
/** The datapath id of an edge switch named `s3` or `e3`: its number. */
export const dpidOf = (sw: string): string => sw.replace(/^[a-z]+/, '').padStart(16, '0');

/** Switches and cables of a scenario's fabric. */
export interface E2eFabric {
  switches: { name: string; dpid: string; role: 'edge' | 'aggregation' }[];
  /** Cables as "switch:port" pairs. */
  links: [string, string][];
}

/** Four edge switches in a ring: s1:1-s2:2, s2:1-s3:2, s3:1-s4:2, s4:1-s1:2. */
export const RING: E2eFabric = {
  switches: SWITCHES.map((name) => ({ name, dpid: dpidOf(name), role: 'edge' })),
  links: [
    ['s1:1', 's2:2'],
    ['s2:1', 's3:2'],
    ['s3:1', 's4:2'],
    ['s4:1', 's1:2'],
  ],
};
export const portName = (sw: string, port: number): string => `${sw}-eth${port}`;

/** Two tenants' private networks, a public segment with a gateway, and a relation. */
export const NETWORKS: E2eNetwork[] = [
  { name: 'netA', tenant: 'A', kind: 'private', cidrs: ['10.1.0.0/24'] },
  { name: 'netB', tenant: 'B', kind: 'private', cidrs: ['10.2.0.0/24'] },
  { name: 'pub', tenant: 'isp', kind: 'public', cidrs: ['10.9.0.0/24'] },
];

/** Every host is on-link for every other (/8) so only Spotlight decides who reaches whom. */
export const HOSTS: E2eHost[] = [
  { name: 'a1', switch: 's1', port: 3, ip: '10.1.0.1', mac: '02:00:00:00:0a:01', network: 'netA', tenant: 'A' },
  { name: 'a2', switch: 's3', port: 3, ip: '10.1.0.2', mac: '02:00:00:00:0a:02', network: 'netA', tenant: 'A' },
  { name: 'b1', switch: 's2', port: 3, ip: '10.2.0.1', mac: '02:00:00:00:0b:01', network: 'netB', tenant: 'B' },
  { name: 'b2', switch: 's4', port: 3, ip: '10.2.0.2', mac: '02:00:00:00:0b:02', network: 'netB', tenant: 'B' },
  { name: 'gw', switch: 's1', port: 4, ip: '10.9.0.1', mac: '02:00:00:00:09:01', network: 'pub', tenant: 'isp', gateway: true },
  { name: 'pa', switch: 's2', port: 4, ip: '10.9.0.11', mac: '02:00:00:00:09:11', network: 'pub', tenant: 'A' },
  { name: 'pb', switch: 's3', port: 4, ip: '10.9.0.12', mac: '02:00:00:00:09:12', network: 'pub', tenant: 'B' },
  { name: 'pa2', switch: 's4', port: 4, ip: '10.9.0.13', mac: '02:00:00:00:09:13', network: 'pub', tenant: 'A' },
  { name: 'pb2', switch: 's4', port: 5, ip: '10.9.0.14', mac: '02:00:00:00:09:14', network: 'pub', tenant: 'B' },
  { name: 'u1', switch: 's2', port: 5, ip: '10.1.0.99', mac: '02:00:00:00:0f:99' },
  // A VM that live-migrates from s1 to s3: the same MAC and IP, one host per side.
  { name: 'm', switch: 's1', port: 5, ip: '10.1.0.50', mac: '02:00:00:00:0a:50', network: 'netA', tenant: 'A' },
  { name: 'mdst', switch: 's3', port: 5, ip: '10.1.0.50', mac: '02:00:00:00:0a:50', network: 'netA', tenant: 'A', spare: true },
];

/** The relation of the scenario: two VMs of different tenants on the public segment. */
export const RELATIONS: { id: string; vms: [string, string] }[] = [{ id: 'pa-pb', vms: ['pa', 'pb'] }];

/** What a scenario registers: attack tests build their own from these parts. */
export interface ScenarioSpec {
  networks: E2eNetwork[];
  hosts: E2eHost[];
  relations: { id: string; vms: [string, string] }[];
}

export const DEFAULT_SPEC: ScenarioSpec = { networks: NETWORKS, hosts: HOSTS, relations: RELATIONS };

/** Hosts taking part in the reachability matrix. */
export const MATRIX_HOSTS = HOSTS.filter((h) => h.name !== 'm' && h.name !== 'mdst');

/** What the contract allows, from the scenario table alone. */
export function allowed(a: E2eHost, b: E2eHost, spec: ScenarioSpec = DEFAULT_SPEC): boolean {
  if (a === b || !a.network || !b.network || a.spare || b.spare || a.network !== b.network) return false;
  const net = spec.networks.find((n) => n.name === a.network)!;
  if (net.kind === 'private' || a.gateway || b.gateway || a.tenant === b.tenant) return true;
  return spec.relations.some((r) => r.vms.includes(a.name) && r.vms.includes(b.name));
}

/** The fabric (the ring unless told) with the spec's hosts, as the Mininet driver and Spotlight read it. */
export function descriptionYaml(version: Version, hosts: E2eHost[] = HOSTS, fabric: E2eFabric = RING): string {
  const lines = ['switches:'];
  for (const s of fabric.switches) lines.push(`  - {name: ${s.name}, dpid: "${s.dpid}", role: ${s.role}, openflow: "${version}"}`);
  lines.push('links:', ...fabric.links.map(([a, b]) => `  - [${a}, ${b}]`), 'hosts:');
  for (const h of hosts) lines.push(`  - {name: ${h.name}, switch: ${h.switch}, port: ${h.port}, ip: ${h.ip}/8, mac: "${h.mac}"}`);
  return lines.join('\n') + '\n';
}

export interface ControllerProcess {
  child: ChildProcess;
  pid: number;
  openflowPort: number;
  api: string;
  /** Every log line so far (JSON records). */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/**
 * Starts `spotlight serve` as a child process and waits for its "controller started" record.
 * The model is in LevelDB under `dataDir`, or in etcd with `store` (`etcd://...`).
 */
export async function startController(
  opts: ({ dataDir: string } | { store: string }) & { configFile?: string; openflowPort?: number; apiPort?: number; timeoutMs?: number },
): Promise<ControllerProcess> {
  const model = 'store' in opts ? ['--store', opts.store] : ['--data', opts.dataDir];
  const args = ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve', '--openflow', `127.0.0.1:${opts.openflowPort ?? 0}`, '--api', `127.0.0.1:${opts.apiPort ?? 0}`, ...model, '--log-level', 'info'];
  if (opts.configFile) args.push('--config', opts.configFile);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SPOTLIGHT_API_TOKEN: '' } });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const started = new Promise<{ openflow: { port: number }; api: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`controller did not start: ${stderr}`)), opts.timeoutMs ?? 30_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        logs.push(rec);
        if (rec.message === 'controller started') {
          clearTimeout(timer);
          resolve(rec as unknown as { openflow: { port: number }; api: string });
        }
      });
    }
    void exited.then((code) => reject(new Error(`controller exited (${code}) before it started: ${stderr}`)));
  });
  let rec: { openflow: { port: number }; api: string };
  try {
    rec = await started;
  } catch (e) {
    // A start that timed out must not leave a process behind that joins later; its log goes with the error.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw Object.assign(e as Error, { logs });
  }
  return { child, pid: child.pid!, openflowPort: rec.openflow.port, api: rec.api, logs, exited };
}

/** Ends the controller by its pid (SIGTERM, or SIGKILL for the crash scenario). */
export async function stopController(c: ControllerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return c.child.exitCode;
  process.kill(c.pid, signal);
  const t = setTimeout(() => process.kill(c.pid, 'SIGKILL'), 10_000);
  const code = await c.exited;
  clearTimeout(t);
  return code;
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function api(base: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function vmStartBody(h: E2eHost, at: E2eHost = h): Record<string, unknown> {
  return {
    vm: h.name,
    tenant: h.tenant,
    interfaces: [{ mac: h.mac, ips: [h.ip], network: h.network, switch: dpidOf(at.switch), port: portName(at.switch, at.port) }],
  };
}

/** Networks (with the gateway), VMs and relations, each written with ?wait. */
export async function registerAll(base: string, waitS = 10, spec: ScenarioSpec = DEFAULT_SPEC): Promise<number> {
  let generation = 0;
  const check = (r: ApiAnswer, what: string): void => {
    if (r.status !== 200) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    generation = Number(r.body.generation);
  };
  for (const n of spec.networks) {
    const gateways = spec.hosts.filter((h) => h.gateway && h.network === n.name).map((g) => ({ mac: g.mac, ips: [g.ip], switch: dpidOf(g.switch), port: portName(g.switch, g.port) }));
    check(await api(base, 'PUT', `/v1/networks/${n.name}?wait=${waitS}`, { tenant: n.tenant, kind: n.kind, cidrs: n.cidrs, gateways }), `network ${n.name}`);
  }
  for (const h of spec.hosts.filter((x) => x.network && !x.gateway && !x.spare)) check(await api(base, 'POST', `/v1/hooks/vm-start?wait=${waitS}`, vmStartBody(h)), `vm ${h.name}`);
  for (const r of spec.relations) check(await api(base, 'PUT', `/v1/relations/${r.id}?wait=${waitS}`, { vms: r.vms }), `relation ${r.id}`);
  return generation;
}

/** A running scenario: network, controller and its data directory. */
export class E2eScenario {
  private constructor(
    readonly version: Version,
    readonly net: MininetNetwork,
    public controller: ControllerProcess,
    readonly dir: string,
    readonly configFile: string,
    readonly spec: ScenarioSpec,
    readonly fabric: E2eFabric,
  ) {}

  get base(): string {
    return this.controller.api;
  }

  /**
   * Controller first (ephemeral ports), then the Mininet fabric (the ring unless told) pointed
   * at it; resolves once every switch is connected and realized and every cable discovered.
   * Nothing is registered yet. With `describedCabling: false` the controller is not given the
   * fabric's description and learns it from its probes alone.
   */
  static async start(
    version: Version,
    opts: { auditIntervalMs?: number; spec?: ScenarioSpec; fabric?: E2eFabric; describedCabling?: boolean } = {},
  ): Promise<E2eScenario> {
    const spec = opts.spec ?? DEFAULT_SPEC;
    const fabric = opts.fabric ?? RING;
    const dir = mkdtempSync(join(tmpdir(), 'spotlight-e2e-'));
    const descFile = join(dir, 'fabric.yaml');
    writeFileSync(descFile, descriptionYaml(version, spec.hosts, fabric));
    const configFile = join(dir, 'spotlight.yaml');
    writeFileSync(
      configFile,
      [...(opts.describedCabling === false ? [] : [`topology: ${descFile}`]), 'reconcile:', `  auditIntervalMs: ${opts.auditIntervalMs ?? 2000}`, 'discovery:', '  probeIntervalMs: 500', ''].join('\n'),
    );
    const controller = await startController({ dataDir: join(dir, 'data'), configFile });
    let net: MininetNetwork;
    try {
      net = await MininetNetwork.start({ description: descFile, controller: `127.0.0.1:${controller.openflowPort}`, openflow: version, maxSeconds: 400 });
    } catch (err) {
      await stopController(controller);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const s = new E2eScenario(version, net, controller, dir, configFile, spec, fabric);
    try {
      await s.waitSettled();
    } catch (err) {
      // Never leave a network holding the OVS lock behind a failed start.
      await s.stop();
      throw err;
    }
    return s;
  }

  /** Every switch connected and realized, every cable of the fabric discovered. */
  async waitSettled(timeoutMs = 30_000): Promise<void> {
    const { switches, links } = this.fabric;
    const polling = { timeoutMs, retryErrors: true };
    await until('health', async () => (await api(this.base, 'GET', '/v1/health')).status === 200, polling);
    await until('fabric links', async () => ((await api(this.base, 'GET', '/v1/topology')).body.links as unknown[]).length === links.length, polling);
    await until(
      'switches realized',
      async () => {
        const sws = (await api(this.base, 'GET', '/v1/switches')).body.switches as { connected: boolean; realizedGeneration: number | null }[];
        return sws.length === switches.length && sws.every((s) => s.connected && s.realizedGeneration !== null);
      },
      polling,
    );
  }

  /** Restarts the controller on the same OpenFlow port and data directory. */
  async restart(): Promise<void> {
    this.controller = await startController({ dataDir: join(this.dir, 'data'), configFile: this.configFile, openflowPort: this.controller.openflowPort });
  }

  /** Pings every ordered pair (every source host at once, each to all its targets at once); true where a reply came. */
  async pingMatrix(hosts: E2eHost[]): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    const jobs = await Promise.all(
      hosts.map(async (src) => {
        const targets = hosts.filter((h) => h !== src);
        const script = targets.map((t) => `(ping -c1 -W1 -q ${t.ip} >/dev/null 2>&1 && echo OK ${t.name} || echo NO ${t.name}) &`).join(' ') + ' wait';
        return { src, targets, job: await this.net.spawn(src.name, script) };
      }),
    );
    for (const { src, targets, job } of jobs) {
      const r = await this.net.collect(job, 20);
      for (const t of targets) out.set(`${src.name}>${t.name}`, new RegExp(`^OK ${t.name}$`, 'm').test(r.output));
    }
    return out;
  }

  /** Installs every other host's address as a permanent neighbour, so pings test the flows alone. */
  async staticNeighbours(hosts: E2eHost[]): Promise<void> {
    await Promise.all(
      hosts.map((src) => {
        const cmds = hosts.filter((h) => h !== src && h.ip !== src.ip).map((h) => `ip neigh replace ${h.ip} lladdr ${h.mac} dev ${src.name}-eth0 nud permanent`);
        return this.net.run(src.name, cmds.join('; '), 10);
      }),
    );
  }

  async flushNeighbours(hosts: E2eHost[]): Promise<void> {
    await Promise.all(hosts.map((h) => this.net.run(h.name, `ip neigh flush dev ${h.name}-eth0`, 5)));
  }

  /** `ovs-ofctl dump-flows` of a switch with the version it speaks. */
  async dumpFlows(sw: string, filter = ''): Promise<string> {
    const o = this.version === '1.3' ? '-O OpenFlow13 ' : '';
    return this.net.switchCommand(sw, `ovs-ofctl ${o}dump-flows ${sw} ${filter}`);
  }

  /** The controller's log records so far, one JSON per line (for a failing test's report). */
  writeLogs(file: string): void {
    writeFileSync(file, this.controller.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }

  async stop(): Promise<void> {
    await stopController(this.controller).catch(() => undefined);
    await this.net.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Flows of one dump, keyed by everything but counters and duration. */
export function parseDump(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /duration=([\d.]+)s/.exec(line);
    if (!m || !line.includes('cookie=')) continue;
    const key = line
      .replace(/\s*duration=[\d.]+s,?/, '')
      .replace(/\s*n_packets=\d+,?/, '')
      .replace(/\s*n_bytes=\d+,?/, '')
      .replace(/\s*idle_age=\d+,?/, '')
      .replace(/\s*hard_age=\d+,?/, '')
      .trim();
    out.set(key, Number(m[1]));
  }
  return out;
}
