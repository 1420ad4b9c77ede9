// Drives topology/mininet/driver.py from TypeScript tests: builds a Mininet
// network from a Spotlight description, runs commands in its hosts, cuts links
// and stops it. The driver runs under `flock` on the shared OVS lock for its
// whole life, in its own process group, which stop() ends by its id.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DRIVER = fileURLToPath(new URL('../../topology/mininet/driver.py', import.meta.url));
export const OVS_LOCK = '/tmp/spotlight-ovs.lock';
export const TOPOLOGY_DIR = fileURLToPath(new URL('../../topology/', import.meta.url));

export interface MininetOptions {
  /** Path of a description file (topology/*.yaml). */
  description: string;
  /** "HOST:PORT" of the controller the switches connect to; several separated by commas (every switch lists them all). */
  controller: string;
  /** Runs every switch with this version instead of the described one. */
  openflow?: '1.0' | '1.3';
  /** The driver stops the network by itself after this long. */
  maxSeconds?: number;
  /** Waiting for the lock plus building the network. */
  readyTimeoutMs?: number;
}

export interface SwitchInfo {
  name: string;
  dpid: string;
  ports: { name: string; port: number; peer: string | null; peerIntf: string | null }[];
}

export interface HostInfo {
  name: string;
  ip: string;
  mac: string;
  intf: string;
  switch: string | null;
}

export interface NetworkInfo {
  switches: SwitchInfo[];
  hosts: HostInfo[];
}

type Answer = { id: number; ok: boolean; error?: string } & Record<string, unknown>;

/**
 * What the integration tests need: root, the mininet module and a running Open
 * vSwitch (started here when it is not). Only a missing root is a reason to
 * skip; anything else missing is an error for the test to report.
 */
export function mininetReadiness(): 'ready' | 'not-root' | { error: string } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not-root';
  const py = spawnSync('/usr/bin/python3', ['-c', 'import mininet.net'], { encoding: 'utf8' });
  if (py.status !== 0) return { error: 'the mininet Python module is missing for /usr/bin/python3' };
  if (spawnSync('ovs-vsctl', ['--timeout=2', 'show']).status !== 0) {
    spawnSync('/usr/share/openvswitch/scripts/ovs-ctl', ['start', '--system-id=random'], { timeout: 60_000 });
    if (spawnSync('ovs-vsctl', ['--timeout=5', 'show']).status !== 0) return { error: 'Open vSwitch is not running and could not be started' };
  }
  return 'ready';
}

export class MininetNetwork {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly info: NetworkInfo,
    lines: AsyncIterator<string>,
  ) {
    this.exitPromise = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`Mininet driver exited: ${this.stderr.slice(-500)}`));
      this.pending.clear();
    });
    void (async () => {
      for (;;) {
        const r = await lines.next();
        if (r.done) return;
        let msg: Answer;
        try {
          msg = JSON.parse(r.value) as Answer;
        } catch {
          continue;
        }
        const p = this.pending.get(msg.id);
        if (p) {
          this.pending.delete(msg.id);
          p.resolve(msg);
        }
      }
    })();
  }

  static async start(opts: MininetOptions): Promise<MininetNetwork> {
    const readyTimeoutMs = opts.readyTimeoutMs ?? 600_000;
    const args = [
      '-w',
      String(Math.ceil(readyTimeoutMs / 1000)),
      OVS_LOCK,
      '/usr/bin/python3',
      DRIVER,
      '--description',
      opts.description,
      '--controller',
      opts.controller,
      '--max-seconds',
      String(opts.maxSeconds ?? 300),
    ];
    if (opts.openflow) args.push('--openflow', opts.openflow);
    const child = spawn('flock', args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const timer = setTimeout(() => killGroup(child), readyTimeoutMs);
    try {
      const first = await lines.next();
      if (first.done) {
        const code = child.exitCode ?? (await new Promise<number | null>((r) => child.once('exit', (c) => r(c))));
        // flock exits 1, silently, when it could not take the lock in time.
        if (code === 1 && stderr.trim() === '') throw new Error(`${OVS_LOCK} stayed busy for ${Math.ceil(readyTimeoutMs / 1000)} s`);
        throw new Error(`Mininet driver ended before it was ready (exit ${String(code)}): ${stderr.slice(-1000)}`);
      }
      const ready = JSON.parse(first.value) as { event: string; message?: string } & NetworkInfo;
      if (ready.event !== 'ready') throw new Error(`Mininet driver: ${ready.message ?? first.value}`);
      const net = new MininetNetwork(child, { switches: ready.switches, hosts: ready.hosts }, lines);
      child.stderr.on('data', (d: Buffer) => (net.stderr += d.toString()));
      return net;
    } catch (err) {
      killGroup(child);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async call(cmd: Record<string, unknown>, timeoutMs = 60_000): Promise<Answer> {
    if (this.exited) throw new Error('Mininet driver is not running');
    const id = this.nextId++;
    const answer = new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      setTimeout(() => {
        if (this.pending.delete(id)) reject(new Error(`Mininet command ${String(cmd.cmd)} timed out`));
      }, timeoutMs).unref();
    });
    this.child.stdin.write(JSON.stringify({ id, ...cmd }) + '\n');
    const a = await answer;
    if (!a.ok) throw new Error(`Mininet command ${String(cmd.cmd)} failed: ${a.error ?? '?'}`);
    return a;
  }

  /** Runs a shell command in a host; bounded by `timeoutS` inside the host. */
  async run(host: string, command: string, timeoutS = 30): Promise<{ output: string; exitCode: number | null }> {
    const a = await this.call({ cmd: 'run', host, command, timeout: timeoutS }, (timeoutS + 10) * 1000);
    return { output: String(a.output), exitCode: typeof a.exitCode === 'number' ? a.exitCode : null };
  }

  /** Cuts ("down") or restores ("up") the link between two nodes, both ends. */
  async link(a: string, b: string, state: 'up' | 'down'): Promise<void> {
    await this.call({ cmd: 'link', a, b, state });
  }

  async interfaces(): Promise<NetworkInfo> {
    const a = await this.call({ cmd: 'interfaces' });
    return { switches: a.switches as SwitchInfo[], hosts: a.hosts as HostInfo[] };
  }

  /** Sends a raw Ethernet frame out of a host's interface. */
  async sendFrame(host: string, frame: Uint8Array, count = 1): Promise<void> {
    await this.call({ cmd: 'sendFrame', host, frame: Buffer.from(frame).toString('hex'), count });
  }

  /** The first frame of this ethertype that the host receives within `timeoutS`. */
  async capture(host: string, ethertype: number, timeoutS = 3): Promise<Buffer | undefined> {
    const a = await this.call({ cmd: 'capture', host, ethertype, timeout: timeoutS }, (timeoutS + 10) * 1000);
    return typeof a.frame === 'string' ? Buffer.from(a.frame, 'hex') : undefined;
  }

  /** Starts a command in a host in the background; collect() returns its output. */
  async spawn(host: string, command: string): Promise<number> {
    const a = await this.call({ cmd: 'spawn', host, command });
    return Number(a.job);
  }

  /** Waits for a spawned command (killed after `timeoutS`) and returns its output. */
  async collect(job: number, timeoutS = 30): Promise<{ output: string; exitCode: number | null }> {
    const a = await this.call({ cmd: 'collect', job, timeout: timeoutS }, (timeoutS + 10) * 1000);
    return { output: String(a.output), exitCode: typeof a.exitCode === 'number' ? a.exitCode : null };
  }

  /** Runs a command in the root namespace (ovs-ofctl on a switch). */
  async switchCommand(sw: string, command: string): Promise<string> {
    const a = await this.call({ cmd: 'switch', switch: sw, command });
    return String(a.output);
  }

  /** Stops the network; ends the driver's process group if it does not exit in time. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exited) return;
    const stopped = this.call({ cmd: 'stop' }, timeoutMs).catch(() => undefined);
    const timer = setTimeout(() => killGroup(this.child), timeoutMs);
    await stopped;
    this.child.stdin.end();
    await this.exitPromise;
    clearTimeout(timer);
  }
}

function killGroup(child: ChildProcessWithoutNullStreams): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    // Negative pid: the driver's own process group (spawned detached).
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
