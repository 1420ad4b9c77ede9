// `npm start` as an operator runs it: the process npm starts is the controller
// itself (no shell in between), and SIGTERM or SIGINT, sent to that process
// or to npm, stops the controller cleanly ("controller stopped" logged, the
// store released) and leaves no process of the start behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { childrenOf, processGroup } from '../../support/procs.js';
import { sleep } from '../../support/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface NpmStart {
  npm: ChildProcess;
  records: Record<string, unknown>[];
  started: Promise<void>;
  exited: Promise<number | null>;
}

/** `npm start` in a process group of its own (its pgid is npm's pid). */
function npmStart(dataDir: string): NpmStart {
  const npm = spawn('npm', ['start', '--', '--openflow', '127.0.0.1:0', '--api', '127.0.0.1:0', '--data', dataDir], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SPOTLIGHT_API_TOKEN: '', SPOTLIGHT_LOG_LEVEL: 'info' },
  });
  const records: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  const started = new Promise<void>((resolve, reject) => {
    for (const s of [npm.stdout!, npm.stderr!]) {
      createInterface({ input: s }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        const rec = JSON.parse(line) as Record<string, unknown>;
        records.push(rec);
        if (rec.message === 'controller started') resolve();
      });
    }
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before the controller started: ${JSON.stringify(records)}`)));
  });
  started.catch(() => undefined);
  return { npm, records, started, exited };
}

describe('npm start: signals', function () {
  this.timeout(60_000);
  let dir: string;
  let running: NpmStart | undefined;

  before(function () {
    // The build (when sources changed) happens here, not inside a case.
    this.timeout(300_000);
    const r = spawnSync(process.execPath, ['scripts/build.js'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spotlight-npm-start-'))));
  afterEach(() => {
    // A failed case must not leave its processes running: end the group it started.
    if (running?.npm.pid !== undefined && processGroup(running.npm.pid).length > 0) process.kill(-running.npm.pid, 'SIGKILL');
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const target of ['the process npm started', 'npm'] as const) {
      it(`${signal} to ${target}: the controller stops cleanly and no process is left`, async () => {
        running = npmStart(join(dir, 'data'));
        await running.started;
        const npmPid = running.npm.pid!;
        const children = childrenOf(npmPid);
        expect(children.map((c) => c.cmd), 'npm runs the controller directly, with no shell between').to.have.length(1);
        expect(children[0]!.cmd).to.match(/^\S*node scripts\/start\.js serve /);
        const controllerPid = children[0]!.pid;

        process.kill(target === 'npm' ? npmPid : controllerPid, signal);
        await running.exited;
        for (let i = 0; i < 50 && processGroup(npmPid).length > 0; i++) await sleep(100);

        expect(processGroup(npmPid).map((p) => `${p.pid} ${p.cmd}`), 'processes left in the group npm start made').to.deep.equal([]);
        const messages = running.records.map((r) => r.message);
        expect(messages).to.include('controller stopped');
        expect(running.records.find((r) => r.message === 'signal received, shutting down')?.signal).to.equal(signal);
      });
    }
  }
});
