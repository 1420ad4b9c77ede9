// What the cluster fault tests watch from outside the controllers: 10 ms
// pings between hosts of every network, the OpenFlow messages on the
// controllers' ports (tshark), which etcd member a process talks to (/proc),
// Open vSwitch's own view of each bridge's master all the while, and the
// writes the instances acknowledged.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { api, type E2eHost } from './e2e.js';
import { ovsMasters } from './cluster-scenario.js';
import { longestGap, pingRun } from './fat-tree.js';
import type { MininetNetwork } from './mininet.js';

/** A ping every 10 ms from each source to its peer, run until stop(). */
export class PingStreams {
  /** Streams started and not yet stopped: a test that failed half-way leaves its pings here for stopAll(). */
  private static readonly running = new Set<PingStreams>();

  private constructor(
    private readonly net: MininetNetwork,
    private readonly runs: { src: E2eHost; dst: E2eHost; job: number; pidFile: string }[],
  ) {}

  static async start(net: MininetNetwork, pairs: [E2eHost, E2eHost][], tag: string): Promise<PingStreams> {
    const runs = await Promise.all(
      pairs.map(async ([src, dst]) => {
        const pidFile = `/tmp/spotlight-cluster-ping-${process.pid}-${tag}-${src.name}.pid`;
        const outFile = `/tmp/spotlight-cluster-ping-${process.pid}-${tag}-${src.name}.out`;
        // The pid file lets stop() end this ping alone (SIGINT: it prints its summary). Its lines go to a
        // file: a pipe nobody reads until the end would fill (64 KiB, about 11 s of pings) and stall ping.
        const job = await net.spawn(src.name, `ping -n -i 0.01 -W 1 ${dst.ip} > ${outFile} 2>&1 & echo $! > ${pidFile}; wait; cat ${outFile}; rm -f ${outFile} ${pidFile}`);
        return { src, dst, job, pidFile };
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const streams = new PingStreams(net, runs);
    PingStreams.running.add(streams);
    return streams;
  }

  /** Ends every stream a failed test left running (each ping would go on every 10 ms after the test). */
  static async stopAll(): Promise<void> {
    for (const p of [...PingStreams.running]) await p.stop().catch(() => undefined);
  }

  /** Per pair: pings sent, lost (answered neither in time nor at all; the last second excluded, still in flight), the longest outage in ms. */
  async stop(): Promise<{ pair: string; sent: number; lost: number; outageMs: number }[]> {
    PingStreams.running.delete(this);
    const out = [];
    for (const r of this.runs) {
      const pid = readFileSync(r.pidFile, 'utf8').trim();
      if (!/^\d+$/.test(pid)) throw new Error(`no ping pid in ${r.pidFile}`);
      process.kill(Number(pid), 'SIGINT');
    }
    for (const r of this.runs) {
      const run = pingRun((await this.net.collect(r.job, 20)).output);
      const judged = Math.max(0, run.sent - Math.ceil(1000 / Math.max(1, run.intervalMs)));
      const seqs = [...run.seqs].filter((n) => n <= judged).sort((a, b) => a - b);
      out.push({ pair: `${r.src.name}>${r.dst.name}`, sent: run.sent, lost: judged - seqs.length, outageMs: Math.round(longestGap(seqs, judged) * run.intervalMs) });
    }
    return out;
  }
}

/** Permanent neighbour entries for the pairs' both ends, so pings test the flows alone (no ARP through a controller). */
export async function staticNeighbours(net: MininetNetwork, pairs: [E2eHost, E2eHost][]): Promise<void> {
  for (const [a, b] of pairs) {
    await net.run(a.name, `ip neigh replace ${b.ip} lladdr ${b.mac} dev ${a.name}-eth0 nud permanent`, 10);
    await net.run(b.name, `ip neigh replace ${a.ip} lladdr ${a.mac} dev ${b.name}-eth0 nud permanent`, 10);
  }
}

export interface OfMessage {
  at: number;
  /** The controller's port, and whether the message went from it to a switch. */
  controllerPort: number;
  fromController: boolean;
  /** OpenFlow message types in the segment (several messages may share one). */
  types: number[];
}

/** OpenFlow message types named in the checks (the same numbers in 1.0 and 1.3). */
export const OFPT_ERROR = 1;
export const OFPT_FLOW_MOD = 14;

/** tshark on the loopback, decoding the controllers' ports as OpenFlow: the oracle for what was sent. */
export class OpenFlowCapture {
  readonly messages: OfMessage[] = [];
  private constructor(private readonly proc: ChildProcess) {}

  static async start(ports: number[]): Promise<OpenFlowCapture> {
    const args = ['-i', 'lo', '-l', '-n', '-f', ports.map((p) => `tcp port ${p}`).join(' or ')];
    for (const p of ports) args.push('-d', `tcp.port==${p},openflow`);
    args.push('-T', 'fields', '-E', 'separator=/t', '-e', 'frame.time_epoch', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'openflow_v4.type', '-e', 'openflow_1_0.type');
    const proc = spawn('tshark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const cap = new OpenFlowCapture(proc);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const [t, src, dst, v4, v1] = line.split('\t');
      const types = [...(v4 ?? '').split(','), ...(v1 ?? '').split(',')].filter((x) => x !== '').map(Number);
      if (types.length === 0) return;
      const from = ports.includes(Number(src));
      cap.messages.push({ at: Number(t) * 1000, controllerPort: from ? Number(src) : Number(dst), fromController: from, types });
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tshark did not start capturing')), 20_000);
      proc.stderr!.on('data', (d: Buffer) => {
        if (d.toString().includes('Capturing on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => reject(new Error(`tshark exited ${code}`)));
    });
    return cap;
  }

  /** Messages of `type` from (or to) a controller port between two times (epoch ms). */
  count(type: number, opts: { port: number; fromController: boolean; from: number; to?: number }): number {
    return this.messages
      .filter((m) => m.controllerPort === opts.port && m.fromController === opts.fromController && m.at >= opts.from && m.at <= (opts.to ?? Infinity))
      .reduce((n, m) => n + m.types.filter((t) => t === type).length, 0);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    process.kill(this.proc.pid!, 'SIGINT');
    await exited;
    // tshark flushes its last lines as it exits.
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The client ports among `ports` to which process `pid` holds an established TCP connection (from /proc). */
export function connectedPorts(pid: number, ports: number[]): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01' || !inodes.has(f[9]!)) continue;
      const port = parseInt(f[2]!.split(':')[1]!, 16);
      if (ports.includes(port)) out.add(port);
    }
  }
  return [...out];
}

/**
 * Open vSwitch's controller table read every `everyMs`: a bridge with two
 * controllers in the master role is a violation; the longest time each bridge
 * had no master is kept.
 */
export class MasterWatch {
  readonly violations: string[] = [];
  readonly longestMasterless = new Map<string, number>();
  polls = 0;
  private masterlessSince = new Map<string, number>();
  private timer: ReturnType<typeof setInterval>;

  constructor(bridges: string[], everyMs = 250) {
    this.timer = setInterval(() => {
      let masters: Map<string, string[]>;
      try {
        masters = ovsMasters();
      } catch {
        return;
      }
      this.polls++;
      const now = Date.now();
      for (const b of bridges) {
        const m = masters.get(b) ?? [];
        if (m.length > 1) this.violations.push(`${new Date(now).toISOString()} ${b}: ${m.join(', ')} all master`);
        if (m.length === 0 && !this.masterlessSince.has(b)) this.masterlessSince.set(b, now);
        if (m.length > 0) this.masterlessSince.delete(b);
        const since = this.masterlessSince.get(b);
        if (since !== undefined) this.longestMasterless.set(b, Math.max(this.longestMasterless.get(b) ?? 0, now - since));
      }
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A VM of the churn: started and stopped on an edge switch port that no host uses. */
export interface ChurnVm {
  name: string;
  mac: string;
  dpid: string;
  body: Record<string, unknown>;
}

/** What the acknowledged writes say of each churn VM: running, stopped, or unknown (its last write got no answer). */
export class AckLedger {
  readonly state = new Map<string, 'on' | 'off' | 'unknown'>();
  acked = 0;
  refused = 0;
  unanswered = 0;

  /** Starts or stops `vm` (a start when its state is not known) through `base`; returns the HTTP status, or 0 with no answer. */
  async toggle(base: string, vm: ChurnVm, timeoutMs = 5000): Promise<number> {
    const start = this.state.get(vm.name) !== 'on';
    let status = 0;
    try {
      const res = await fetch(`${base}/v1/hooks/${start ? 'vm-start' : 'vm-stop'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(start ? vm.body : { vm: vm.name }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      await res.text();
    } catch {
      status = 0;
    }
    if (status === 200) {
      this.acked++;
      this.state.set(vm.name, start ? 'on' : 'off');
    } else {
      if (status === 0) this.unanswered++;
      else this.refused++;
      // An unanswered or refused write may still have been committed: its outcome is not known.
      this.state.set(vm.name, 'unknown');
    }
    return status;
  }

  /** Churn VMs whose acknowledged state `running` (the names GET /v1/vms lists) contradicts. */
  async lost(base: string, vms: ChurnVm[]): Promise<string[]> {
    const listed = new Set(((await api(base, 'GET', '/v1/vms')).body.vms as { name: string }[]).map((v) => v.name));
    return vms.filter((v) => {
      const s = this.state.get(v.name);
      return (s === 'on' && !listed.has(v.name)) || (s === 'off' && listed.has(v.name));
    }).map((v) => `${v.name} acknowledged ${this.state.get(v.name)}, listed ${listed.has(v.name) ? 'running' : 'absent'}`);
  }
}
