// `spotlight serve --config FILE` as users start it: the file's listen
// addresses, token file and data directory take effect, flags win over the
// file, a bad field stops the start naming it; the operator commands then
// talk to the running process.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { runClientCommand } from '../../../src/client/index.js';

interface Started {
  pid: number;
  exited: Promise<number | null>;
  records: Record<string, unknown>[];
  started: Promise<Record<string, unknown>>;
}

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SPOTLIGHT_API_TOKEN: '', SPOTLIGHT_LOG_LEVEL: '', ...env },
  });
  const records: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not started: ${JSON.stringify(records)}`)), 20_000);
    for (const s of [child.stdout!, child.stderr!]) {
      createInterface({ input: s }).on('line', (line) => {
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          records.push(rec);
          if (rec.message === 'controller started') {
            clearTimeout(t);
            resolve(rec);
          }
        } catch {
          records.push({ message: line });
        }
      });
    }
    void exited.then((c) => {
      clearTimeout(t);
      reject(new Error(`exited ${c}: ${JSON.stringify(records)}`));
    });
  });
  started.catch(() => undefined);
  return { pid: child.pid!, exited, records, started };
}

describe('config: spotlight serve --config', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotlight-serve-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('takes listen addresses, token file and data directory from the file; the commands use the running API', async () => {
    await writeFile(join(dir, 'token'), 'serve-test-token\n');
    await writeFile(
      join(dir, 's.yaml'),
      ['data: state', 'api: {listen: "127.0.0.1:0", tokenFile: token}', 'openflow: {listen: "127.0.0.1:0", keepalive: {intervalMs: 1000}}', ''].join('\n'),
    );
    const p = serve(['--config', join(dir, 's.yaml')]);
    try {
      const rec = await p.started;
      expect(rec.data).to.equal(join(dir, 'state'));
      expect((rec.openflow as { host: string }).host).to.equal('127.0.0.1');
      const url = String(rec.api);
      expect((await fetch(`${url}/v1/health`)).status).to.equal(401);
      expect((await fetch(`${url}/v1/health`, { headers: { authorization: 'Bearer serve-test-token' } })).status).to.equal(200);
      let out = '';
      const io = { out: (t: string) => (out += t), err: (t: string) => (out += t), env: { SPOTLIGHT_URL: url, SPOTLIGHT_API_TOKEN: 'serve-test-token' } };
      expect(await runClientCommand(['switches'], io)).to.equal(0);
      expect(out).to.equal('no switches\n');
      out = '';
      expect(await runClientCommand(['generations', '--json'], io)).to.equal(0);
      expect(JSON.parse(out)).to.deep.equal({ generation: 0, switches: [] });
      const metrics = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer serve-test-token' } });
      expect(await metrics.text()).to.match(/^spotlight_switches_connected 0$/m);
    } finally {
      process.kill(p.pid, 'SIGTERM');
      expect(await p.exited).to.equal(0);
    }
  });

  it('a flag wins over the file', async () => {
    await writeFile(join(dir, 's.yaml'), 'api: {listen: "127.0.0.1:1"}\nopenflow: {listen: "127.0.0.1:0"}\n');
    const p = serve(['--config', join(dir, 's.yaml'), '--api', '127.0.0.1:0', '--data', join(dir, 'd')]);
    try {
      const rec = await p.started;
      expect(String(rec.api)).to.not.match(/:1$/);
    } finally {
      process.kill(p.pid, 'SIGTERM');
      await p.exited;
    }
  });

  it('a bad field stops the start with exit 2, naming the field', async () => {
    await writeFile(join(dir, 's.yaml'), 'openflow: {keepalive: {maxMisses: 0}}\n');
    const p = serve(['--config', join(dir, 's.yaml'), '--data', join(dir, 'd')]);
    expect(await p.exited).to.equal(2);
    const err = p.records.find((r) => r.level === 'error');
    expect(err?.field).to.equal('openflow.keepalive.maxMisses');
    expect(String(err?.message)).to.contain('openflow.keepalive.maxMisses');
  });
});
