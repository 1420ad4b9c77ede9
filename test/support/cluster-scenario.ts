// Three Spotlight controllers as child processes (`spotlight serve --store
// etcd://...`, so SIGKILL and SIGSTOP are real) on real etcd members, in front
// of a Mininet fabric whose every switch lists the three. Each instance keeps
// its OpenFlow and API ports across restarts, as a machine would. What the
// switches think of the controllers is read from Open vSwitch itself
// (`ovs-vsctl list controller`: the role each one holds on each bridge).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterStatus } from '../../src/api/deps.js';
import { api, descriptionYaml, startController, stopController, type ControllerProcess, type E2eFabric, type ScenarioSpec, type Version } from './e2e.js';
import { freePort, startEtcd, type EtcdCluster } from './etcd.js';
import { MininetNetwork } from './mininet.js';
import { until } from './wait.js';

export type InstanceState = 'up' | 'paused' | 'down';

export class ClusterInstance {
  proc: ControllerProcess | undefined;
  state: InstanceState = 'down';
  /** Log records of the processes this instance ran before the current one. */
  readonly pastLogs: Record<string, unknown>[] = [];

  constructor(
    readonly name: string,
    readonly openflowPort: number,
    readonly apiPort: number,
  ) {}

  get api(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get pid(): number {
    if (!this.proc) throw new Error(`${this.name} is not running`);
    return this.proc.pid;
  }

  /** Log records of the running process since `sinceMs` (epoch ms). */
  logsSince(sinceMs: number, pick: (l: Record<string, unknown>) => boolean = () => true): Record<string, unknown>[] {
    return (this.proc?.logs ?? []).filter((l) => Date.parse(String(l.timestamp)) >= sinceMs && pick(l));
  }

  async status(timeoutMs = 2000): Promise<ClusterStatus | undefined> {
    if (this.state !== 'up') return undefined;
    try {
      const r = await fetch(`${this.api}/v1/cluster`, { signal: AbortSignal.timeout(timeoutMs) });
      return r.ok ? ((await r.json()) as ClusterStatus) : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Per bridge name, the targets ("tcp:127.0.0.1:PORT") Open vSwitch holds as master. */
export function ovsMasters(): Map<string, string[]> {
  const json = (args: string[]) =>
    JSON.parse(execFileSync('ovs-vsctl', ['--timeout=5', '--format=json', ...args], { encoding: 'utf8' })) as { headings: string[]; data: unknown[][] };
  const uuid = (v: unknown): string => (Array.isArray(v) && v[0] === 'uuid' ? String(v[1]) : '');
  const set = (v: unknown): string[] => (Array.isArray(v) && v[0] === 'set' ? (v[1] as unknown[]).map(uuid) : [uuid(v)]);
  const ctrl = json(['--columns=_uuid,target,role', 'list', 'controller']);
  const roleOf = new Map(ctrl.data.map((row) => [uuid(row[0]), { target: String(row[1]), role: Array.isArray(row[2]) ? '' : String(row[2]) }]));
  const out = new Map<string, string[]>();
  for (const row of json(['--columns=name,controller', 'list', 'bridge']).data) {
    out.set(
      String(row[0]),
      set(row[1])
        .map((u) => roleOf.get(u))
        .filter((c) => c?.role === 'master')
        .map((c) => c!.target),
    );
  }
  return out;
}

export class ClusterScenario {
  private constructor(
    readonly version: Version,
    readonly etcd: EtcdCluster,
    readonly instances: ClusterInstance[],
    readonly net: MininetNetwork,
    readonly dir: string,
    readonly configFile: string,
    readonly fabric: E2eFabric,
  ) {}

  /**
   * etcd (`etcdMembers` members), three instances on it, then the Mininet fabric listing all
   * three; resolves once one leads, masters every switch, and the fabric is discovered and realized.
   */
  static async start(version: Version, opts: { etcdMembers: number; spec: ScenarioSpec; fabric: E2eFabric }): Promise<ClusterScenario> {
    const dir = mkdtempSync(join(tmpdir(), 'spotlight-cluster-'));
    const descFile = join(dir, 'fabric.yaml');
    writeFileSync(descFile, descriptionYaml(version, opts.spec.hosts, opts.fabric));
    const configFile = join(dir, 'spotlight.yaml');
    writeFileSync(configFile, [`topology: ${descFile}`, 'reconcile:', '  auditIntervalMs: 2000', 'discovery:', '  probeIntervalMs: 500', ''].join('\n'));
    const etcd = await startEtcd(opts.etcdMembers);
    const instances: ClusterInstance[] = [];
    for (const name of ['c1', 'c2', 'c3']) instances.push(new ClusterInstance(name, await freePort(), await freePort()));
    let net: MininetNetwork | undefined;
    const s = () => new ClusterScenario(version, etcd, instances, net!, dir, configFile, opts.fabric);
    try {
      await Promise.all(instances.map((i) => ClusterScenario.launch(i, etcd, configFile)));
      net = await MininetNetwork.start({
        description: descFile,
        controller: instances.map((i) => `127.0.0.1:${i.openflowPort}`).join(','),
        openflow: version,
        maxSeconds: 1500,
      });
      const scenario = s();
      await scenario.waitSettled(60_000);
      return scenario;
    } catch (err) {
      await s().stop();
      throw err;
    }
  }

  private static async launch(i: ClusterInstance, etcd: EtcdCluster, configFile: string): Promise<void> {
    if (i.proc) i.pastLogs.push(...i.proc.logs);
    i.proc = undefined;
    try {
      i.proc = await startController({ store: `${etcd.url}/faults`, configFile, openflowPort: i.openflowPort, apiPort: i.apiPort, timeoutMs: 60_000 });
    } catch (e) {
      i.pastLogs.push(...((e as { logs?: Record<string, unknown>[] }).logs ?? []));
      throw new Error(`${i.name} did not start again: ${(e as Error).message}`);
    }
    i.state = 'up';
  }

  get dpids(): string[] {
    return this.fabric.switches.map((s) => s.dpid);
  }

  get up(): ClusterInstance[] {
    return this.instances.filter((i) => i.state === 'up');
  }

  /** The instance every running instance names as leader, once they agree. */
  async leader(timeoutMs = 20_000): Promise<ClusterInstance> {
    return until(
      'one leader named by every running instance',
      async () => {
        const seen = await Promise.all(this.up.map((i) => i.status()));
        const ids = new Set(seen.map((s) => s?.leader?.instance));
        if (ids.size !== 1 || seen[0]?.leader == null) return undefined;
        const leaderApi = seen[0].instances.find((x) => x.id === seen[0]!.leader!.instance)?.api;
        return this.instances.find((i) => i.api === leaderApi && i.state === 'up');
      },
      { timeoutMs, retryErrors: true },
    );
  }

  /**
   * Every instance up, one leader confirmed master by every switch with every running instance's role
   * stated, every switch connected and realized at the leader, every cable discovered.
   */
  async waitSettled(timeoutMs = 30_000): Promise<ClusterInstance> {
    const leader = await until(
      'a settled cluster',
      // Each probe that finds the cluster unsettled throws why, so a timeout names what never settled.
      async () => {
        const up = this.up.map((i) => i.name).join(' ');
        const l = await this.leader(2000).catch(() => undefined);
        if (!l) throw new Error(`no leader named by every running instance (${up})`);
        const s = await l.status();
        if (!s?.leader) throw new Error(`${l.name} names no leader now`);
        const alive = s.instances.filter((x) => x.alive).map((x) => x.api);
        if (alive.length !== this.up.length) throw new Error(`${l.name} lists ${alive.length} instances alive (${alive.join(' ')}); running: ${up}`);
        const unsettled = this.dpids.flatMap((d) => {
          const sw = s.switches.find((x) => x.dpid === d);
          return sw?.master === s.leader!.instance && sw.roles.length === this.up.length ? [] : [`${d} master ${sw?.master ?? 'none'} with ${sw?.roles.length ?? 0} roles stated`];
        });
        if (unsettled.length) throw new Error(`leader ${l.name}: ${unsettled.join('; ')}`);
        return l;
      },
      { timeoutMs, retryErrors: true },
    );
    await until('fabric links', async () => (((await api(leader.api, 'GET', '/v1/topology')).body.links as unknown[]).length === this.fabric.links.length ? true : undefined), { timeoutMs, retryErrors: true });
    await until(
      'switches realized',
      async () => {
        const sws = (await api(leader.api, 'GET', '/v1/switches')).body.switches as { connected: boolean; realizedGeneration: number | null }[];
        return sws.length === this.fabric.switches.length && sws.every((x) => x.connected && x.realizedGeneration !== null) ? true : undefined;
      },
      { timeoutMs, retryErrors: true },
    );
    return leader;
  }

  /** SIGKILL: the process is gone with no goodbye. */
  async kill(i: ClusterInstance): Promise<void> {
    if (i.state === 'paused') process.kill(i.pid, 'SIGCONT');
    await stopController(i.proc!, 'SIGKILL');
    i.state = 'down';
  }

  /** SIGTERM: a clean stop (the leader gives up its lease). */
  async stopClean(i: ClusterInstance): Promise<void> {
    if (i.state === 'paused') process.kill(i.pid, 'SIGCONT');
    await stopController(i.proc!, 'SIGTERM');
    i.state = 'down';
  }

  pause(i: ClusterInstance): void {
    process.kill(i.pid, 'SIGSTOP');
    i.state = 'paused';
  }

  resume(i: ClusterInstance): void {
    process.kill(i.pid, 'SIGCONT');
    i.state = 'up';
  }

  /** Starts a stopped instance again on its ports. */
  async restart(i: ClusterInstance): Promise<void> {
    if (i.state !== 'down') throw new Error(`${i.name} is ${i.state}`);
    await ClusterScenario.launch(i, this.etcd, this.configFile);
  }

  /** `ovs-ofctl dump-flows` of a switch with the version it speaks. */
  async dumpFlows(sw: string): Promise<string> {
    return this.net.switchCommand(sw, `ovs-ofctl ${this.version === '1.3' ? '-O OpenFlow13 ' : ''}dump-flows ${sw}`);
  }

  /** Every log record of every instance, past processes included, one JSON per line. */
  writeLogs(file: string): void {
    const lines: string[] = [];
    for (const i of this.instances) for (const l of [...i.pastLogs, ...(i.proc?.logs ?? [])]) lines.push(JSON.stringify({ instance: i.name, ...l }));
    writeFileSync(file, lines.join('\n') + '\n');
  }

  async stop(): Promise<void> {
    for (const i of this.instances) {
      if (i.state === 'paused') process.kill(i.pid, 'SIGCONT');
      if (i.proc) await stopController(i.proc, 'SIGKILL').catch(() => undefined);
      i.state = 'down';
    }
    await this.net?.stop().catch(() => undefined);
    await this.etcd.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
