// Start-up: from the README's `npm start` to GET /v1/health answering 200,
// over an already built tree, beside the same controller started without npm
// (`node dist/src/cli.js serve`, the floor) and `npm start -- --help` to exit,
// in alternating rounds. Each start gets a fresh data directory and free
// ports, and is stopped by SIGTERM to the npm process; a start that leaves a
// process behind fails the bench. The limit is 2 s.
//   npx tsx bench/startup.ts [--rounds 10] [--rebuild]
// --rebuild first times a forced build of src/ (what the first start after a
// source change costs).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { processGroup } from '../test/support/procs.js';
import { benchArg } from '../test/support/ovs.js';
import { freePort } from '../test/support/etcd.js';
import { sleep } from '../test/support/wait.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUNDS = Number(benchArg('rounds', '10'));
const LIMIT_MS = 2000;


async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

/** Starts `cmd args` in its own process group; ms until health answers 200; then SIGTERM and a check that the group is gone. */
async function timeToHealth(cmd: string, args: (apiPort: number, data: string) => string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-startup-'));
  const apiPort = await freePort();
  const t0 = performance.now();
  const child = spawn(cmd, args(apiPort, join(dir, 'data')), { cwd: ROOT, detached: true, stdio: 'ignore', env: { ...process.env, SPOTLIGHT_API_TOKEN: '' } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let ms = NaN;
  try {
    const end = t0 + 30_000;
    while (performance.now() < end && child.exitCode === null) {
      if (await healthy(`http://127.0.0.1:${apiPort}/v1/health`)) {
        ms = performance.now() - t0;
        break;
      }
      await sleep(5);
    }
    if (Number.isNaN(ms)) throw new Error(`${cmd} ${args(apiPort, '').join(' ')}: no healthy answer within 30 s`);
  } finally {
    process.kill(child.pid!, 'SIGTERM');
    await exited;
    for (let i = 0; i < 50 && processGroup(child.pid!).length > 0; i++) await sleep(100);
    const left = processGroup(child.pid!);
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`SIGTERM to ${cmd} left ${left.map((p) => `${p.pid} ${p.cmd}`).join(', ')}`);
    }
  }
  return ms;
}

async function timeToExit(cmd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: ROOT, stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}`);
  return performance.now() - t0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  console.log(`start-up bench: ${ROUNDS} rounds; commit ${commit}, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (process.argv.includes('--rebuild')) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['scripts/build.js', '--force'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
    console.log(`forced build of src/: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else if (spawnSync(process.execPath, ['scripts/build.js'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) {
    throw new Error('build failed');
  }
  const flags = (apiPort: number, data: string): string[] => ['--openflow', '127.0.0.1:0', '--api', `127.0.0.1:${apiPort}`, '--data', data];
  const rows: Record<string, number[]> = { 'npm start -> health 200': [], 'node dist/src/cli.js serve -> health 200': [], 'npm start -- --help -> exit': [] };
  for (let i = 0; i < ROUNDS; i++) {
    rows['npm start -> health 200']!.push(await timeToHealth('npm', (p, d) => ['start', '--', ...flags(p, d)]));
    rows['node dist/src/cli.js serve -> health 200']!.push(await timeToHealth(process.execPath, (p, d) => ['dist/src/cli.js', 'serve', ...flags(p, d)]));
    rows['npm start -- --help -> exit']!.push(await timeToExit('npm', ['start', '--', '--help']));
  }
  console.log('what                                       median ms   min ms   max ms');
  for (const [label, xs] of Object.entries(rows)) {
    console.log(`${label.padEnd(42)} ${median(xs).toFixed(0).padStart(9)} ${Math.min(...xs).toFixed(0).padStart(8)} ${Math.max(...xs).toFixed(0).padStart(8)}`);
  }
  const npmMs = median(rows['npm start -> health 200']!);
  const nodeMs = median(rows['node dist/src/cli.js serve -> health 200']!);
  console.log(`npm start to health: median ${npmMs.toFixed(0)} ms against the ${LIMIT_MS} ms limit (${npmMs <= LIMIT_MS ? 'met' : 'NOT met'}); npm adds ${(npmMs - nodeMs).toFixed(0)} ms (x${(npmMs / nodeMs).toFixed(2)} the bare start)`);
  console.log('every start was stopped by SIGTERM to the process started, with no process left behind');
}

await main();
