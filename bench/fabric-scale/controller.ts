// The controller under test, as a process: this tree started the README's way
// (`npm start -- flags`), or an older commit checked out in a git worktree
// under .bench-out/, built there and started as its `npm start` would run it
// (`node dist/src/cli.js serve`), with the event-loop probe preloaded when
// that commit does not export the delay itself. Read from outside: CPU time
// and RSS from /proc, the event-loop delay from GET /metrics (or the probe).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childrenOf } from '../../test/support/procs.js';
import { request } from './http.js';
import { freePort } from '../../test/support/etcd.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROBE = fileURLToPath(new URL('./eld-probe.js', import.meta.url));
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every controller process started and not yet exited (an interrupted bench stops them). */
export const launched = new Set<ChildProcess>();

export interface EventLoopWindow {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  source: 'metrics' | 'probe';
}


export function git(args: string[], cwd = ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Checks `commit` out in a worktree under .bench-out/ and builds it there, once:
 * node_modules is this tree's (a link) when both lock files are the same,
 * else installed with npm ci. The directory of the built tree.
 */
export function prepareBaseline(commit: string): string {
  const sha = git(['rev-parse', `${commit}^{commit}`]);
  const dir = join(ROOT, '.bench-out', `baseline-${sha.slice(0, 12)}`);
  const marker = join(dir, '.bench-built');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === sha) return dir;
  mkdirSync(join(ROOT, '.bench-out'), { recursive: true });
  if (!existsSync(dir)) git(['worktree', 'add', '--detach', dir, sha]);
  const sameLock = readFileSync(join(dir, 'package-lock.json'), 'utf8') === readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
  if (!existsSync(join(dir, 'node_modules'))) {
    if (sameLock) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    else execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  }
  console.log(`baseline ${sha.slice(0, 12)}: building in ${dir}`);
  execFileSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir, stdio: 'inherit' });
  writeFileSync(marker, sha + '\n');
  return dir;
}

export function removeBaseline(dir: string): void {
  git(['worktree', 'remove', '--force', dir]);
}

/** Where V8 writes the controller's profiles: CPU samples, and sampled allocations (heap). */
export interface Profiling {
  cpuDir?: string | undefined;
  heapDir?: string | undefined;
}

function profilerFlags(p: Profiling): string[] {
  return [...(p.cpuDir ? ['--cpu-prof', `--cpu-prof-dir=${p.cpuDir}`] : []), ...(p.heapDir ? ['--heap-prof', `--heap-prof-dir=${p.heapDir}`] : [])];
}

export class ControllerProcess {
  private constructor(
    readonly label: string,
    readonly commit: string,
    private readonly launcher: ChildProcess,
    /** The controller's own process (npm's child for `npm start`). */
    readonly pid: number,
    readonly api: string,
    readonly openflowPort: number,
    readonly startToHealthMs: number,
    readonly logFile: string,
    private readonly eldFile: string | undefined,
  ) {}

  /**
   * Starts the controller of `tree` on free loopback ports with a fresh data
   * directory under `workDir`; `how` says whether through npm start (this tree)
   * or by its built CLI with the probe. Resolves once GET /v1/health is 200.
   */
  static async start(label: string, tree: string, how: 'npm' | 'node-with-probe', workDir: string, profile?: Profiling): Promise<ControllerProcess> {
    const commit = git(['rev-parse', '--short=12', 'HEAD'], tree);
    mkdirSync(workDir, { recursive: true });
    const [apiPort, ofPort] = [await freePort(), await freePort()];
    const flags = ['--openflow', `127.0.0.1:${ofPort}`, '--api', `127.0.0.1:${apiPort}`, '--data', join(workDir, 'data')];
    const logFile = join(workDir, 'controller.log');
    const log = openSync(logFile, 'w');
    const eldFile = how === 'node-with-probe' ? join(workDir, 'eld.json') : undefined;
    const env = { ...process.env, SPOTLIGHT_API_TOKEN: '', ...(eldFile ? { SPOTLIGHT_ELD_FILE: eldFile } : {}) };
    // Built first, so that the start is timed as an operator sees it once built.
    if (how === 'npm') execFileSync(process.execPath, ['scripts/build.js'], { cwd: tree, stdio: 'inherit' });
    const t0 = performance.now();
    const child =
      how === 'npm'
        ? profile
          ? // What `npm start` runs, under V8's profilers (written when the controller stops).
            spawn(process.execPath, [...profilerFlags(profile), 'scripts/start.js', 'serve', ...flags], { cwd: tree, stdio: ['ignore', log, log], env })
          : spawn('npm', ['start', '--', ...flags], { cwd: tree, stdio: ['ignore', log, log], env })
        : spawn(process.execPath, ['--import', PROBE, join(tree, 'dist', 'src', 'cli.js'), 'serve', ...flags], { cwd: tree, stdio: ['ignore', log, log], env });
    launched.add(child);
    child.once('exit', () => launched.delete(child));
    const api = `http://127.0.0.1:${apiPort}`;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${label}: the controller exited (${child.exitCode}); see ${logFile}`);
      if ((await request(api, 'GET', '/v1/health', undefined, 2000)).status === 200) break;
      if (performance.now() - t0 > 180_000) throw new Error(`${label}: no health within 180 s; see ${logFile}`);
      await sleep(20);
    }
    const startToHealthMs = performance.now() - t0;
    const pid = how === 'npm' && !profile ? childrenOf(child.pid!)[0]?.pid : child.pid;
    if (pid === undefined) throw new Error(`${label}: cannot find the controller process under npm (${child.pid})`);
    return new ControllerProcess(label, commit, child, pid, api, ofPort, startToHealthMs, logFile, eldFile);
  }

  /** User plus system CPU seconds of the controller process so far. */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  }

  rssBytes(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  }

  /** The event-loop delay since the previous call (each call starts a new window). */
  async eventLoop(): Promise<EventLoopWindow | undefined> {
    if (this.eldFile) {
      rmSync(this.eldFile, { force: true });
      process.kill(this.pid, 'SIGUSR2');
      for (let i = 0; i < 6000 && !existsSync(this.eldFile); i++) await sleep(20);
      if (!existsSync(this.eldFile)) return undefined;
      return { ...(JSON.parse(readFileSync(this.eldFile, 'utf8')) as Omit<EventLoopWindow, 'source'>), source: 'probe' };
    }
    const text = await this.metrics();
    const q = (quantile: string): number => Number(new RegExp(`^spotlight_event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const samples = Number(/^spotlight_event_loop_delay_samples (\S+)$/m.exec(text)?.[1]);
    if (Number.isNaN(q('1'))) return undefined;
    return { p50: q('0.5'), p99: q('0.99'), max: q('1'), samples, source: 'metrics' };
  }

  async metrics(): Promise<string> {
    const r = await request(this.api, 'GET', '/metrics', undefined, 300_000);
    return r.status === 200 ? r.body : '';
  }

  /** SIGTERM to the controller process; SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (this.launcher.exitCode !== null) return;
    const exited = new Promise((r) => this.launcher.once('exit', r));
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => {
      for (const pid of [this.pid, this.launcher.pid!]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }, 20_000);
    await exited;
    clearTimeout(t);
  }
}
