// Kill -9 a controller (store + API) at random moments while hooks stream in,
// 200 times on LevelDB (and on etcd, fewer: there the instance holds nothing
// of its own): every hook answered 200 must be there after the restart, and
// the store must open every time.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etcdAvailable, startEtcd, type EtcdCluster } from '../../support/etcd.js';
import { sleep } from '../../support/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD_TS = join(ROOT, 'test/support/crash-child.ts');
const ROUNDS = Number(process.env.SPOTLIGHT_CRASH_ROUNDS ?? 200);
const ETCD_ROUNDS = Number(process.env.SPOTLIGHT_CRASH_ROUNDS ?? 20);
const CLIENTS = 4;

/** Bundles the child once (esbuild ships with tsx), so each start skips the TypeScript loader. */
async function childCommand(): Promise<string[]> {
  try {
    const esbuild = (await import('esbuild')) as typeof import('esbuild');
    const outfile = join(ROOT, 'node_modules/.cache/spotlight-crash/child.mjs');
    await esbuild.build({ entryPoints: [CHILD_TS], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, target: 'node20', logLevel: 'error' });
    return [outfile];
  } catch {
    return ['--import', 'tsx', CHILD_TS];
  }
}

interface Child {
  proc: ChildProcess;
  port: Promise<{ port: number; generation: number }>;
}

function startChild(args: string[], dir: string): Child {
  const proc = spawn(process.execPath, [...args, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += String(d)));
  const port = new Promise<{ port: number; generation: number }>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /PORT (\d+) GENERATION (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), generation: Number(m[2]) });
    });
    proc.on('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  port.catch(() => undefined);
  return { proc, port };
}

function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}


function vmBody(k: number) {
  const b = [(k >> 16) & 255, (k >> 8) & 255, k & 255];
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join(':');
  return { vm: `vm${k}`, tenant: 't1', interfaces: [{ mac: `02:00:00:${hex}`, ips: [`10.${b[0]}.${b[1]}.${b[2]}`], network: 'n1', switch: '0000000000000001', port: `tap${k}` }] };
}

describe('store crash safety', function () {
  // About a second a round on a quiet machine (a restart loads the API and every VM stored so far); up to five on a loaded one.
  this.timeout(Math.max(420_000, ROUNDS * 5_000));
  let dir = '';
  let etcd: EtcdCluster | undefined;
  const current: { proc?: ChildProcess } = {};
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'spotlight-crash-'));
  });
  after(async () => {
    if (current.proc) await kill(current.proc);
    await etcd?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`LevelDB: keeps every answered hook across ${ROUNDS} kill -9 at random moments`, async () => {
    await crashRounds(join(dir, 'db'), ROUNDS, current);
  });

  it(`etcd: keeps every answered hook across ${ETCD_ROUNDS} kill -9 of the instance at random moments`, async () => {
    if (!etcdAvailable()) throw new Error('/usr/bin/etcd is missing: apt-get install etcd-server');
    etcd = await startEtcd(1);
    await crashRounds(`${etcd.url}/crash-test`, ETCD_ROUNDS, current);
  });
});

async function crashRounds(target: string, rounds: number, current: { proc?: ChildProcess }): Promise<void> {
  const args = await childCommand();
  const db = target;
  // What answered writes promise: present (started) or absent (stopped).
  const expected = new Map<string, 'present' | 'absent'>();
  let answeredGeneration = 0;
  let next = 1;
  let answered = 0;
  let killedDuringStart = 0;

  let child = startChild(args, db);
  current.proc = child.proc;
  let { port } = await child.port;
  const setup = await fetch(`http://127.0.0.1:${port}/v1/networks/n1`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 't1', kind: 'private', cidrs: ['10.0.0.0/8'] }),
  });
  expect(setup.status).to.equal(200);
  answeredGeneration = ((await setup.json()) as { generation: number }).generation;

  for (let round = 0; round < rounds; round++) {
    // One round in ten dies while starting (opening the store).
    if (round % 10 === 5) {
      await kill(child.proc);
      const starting = startChild(args, db);
      current.proc = starting.proc;
      let listening = false;
      void starting.port.then(() => (listening = true), () => undefined);
      await sleep(Math.random() * 300);
      if (!listening) killedDuringStart++;
      await kill(starting.proc);
      // The next instance opens the store the one killed while starting left behind.
      child = startChild(args, db);
      current.proc = child.proc;
      port = (await child.port).port;
    }
    let stop = false;
    const present = [...expected].filter(([, s]) => s === 'present').map(([vm]) => vm);
    const inFlight = new Set<string>();
    const client = async () => {
      while (!stop) {
        let path: string;
        let body: { vm: string };
        if (present.length > 0 && Math.random() < 0.3) {
          const vm = present.splice(Math.floor(Math.random() * present.length), 1)[0]!;
          path = 'vm-stop';
          body = { vm };
        } else {
          body = vmBody(next++);
          path = 'vm-start';
        }
        inFlight.add(body.vm);
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/hooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          const json = (await res.json()) as { generation: number };
          expect(res.status, JSON.stringify(json)).to.equal(200);
          expected.set(body.vm, path === 'vm-start' ? 'present' : 'absent');
          answeredGeneration = Math.max(answeredGeneration, json.generation);
          answered++;
          firstAnswer();
          inFlight.delete(body.vm);
        } catch (e) {
          if ((e as Error).name === 'AssertionError') throw e;
          return; // the controller died under this request: its outcome is open
        }
      }
    };
    let firstAnswer!: () => void;
    // The kill comes at a random moment after this round's first answer (a loaded machine may take long to give one).
    const answeredOnce = new Promise<void>((r) => (firstAnswer = r));
    const clients = Array.from({ length: CLIENTS }, client);
    await Promise.race([answeredOnce, sleep(30_000)]);
    await sleep(Math.random() * 100);
    await kill(child.proc);
    stop = true;
    await Promise.all(clients);

    child = startChild(args, db);
    current.proc = child.proc;
    const started = await child.port; // the store opens every time, or this throws
    port = started.port;
    expect(started.generation, `round ${round}`).to.be.at.least(answeredGeneration);
    const res = await fetch(`http://127.0.0.1:${port}/v1/vms`);
    const { vms } = (await res.json()) as { vms: { name: string; interfaces: unknown }[] };
    const have = new Map(vms.map((v) => [v.name, v]));
    for (const [vm, state] of expected) {
      if (inFlight.has(vm)) continue;
      expect(have.has(vm), `round ${round}: ${vm} should be ${state}`).to.equal(state === 'present');
      if (state === 'present') expect(have.get(vm)!.interfaces).to.deep.equal(vmBody(Number(vm.slice(2))).interfaces);
    }
    // Unanswered requests may or may not have landed: learn which.
    for (const vm of inFlight) expected.set(vm, have.has(vm) ? 'present' : 'absent');
  }
  await kill(child.proc);
  expect(answered).to.be.above(rounds);
  if (process.env.SPOTLIGHT_CRASH_REPORT) console.log({ rounds, answered, killedDuringStart, vms: [...expected.values()].filter((s) => s === 'present').length });
}
