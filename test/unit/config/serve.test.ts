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
import { startEtcd } from '../../support/etcd.js';

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

  it('checks the log level the same way from the flag, the environment and the file: exit 2 naming log.level', async function () {
    this.timeout(120_000);
    await writeFile(join(dir, 'loud.yaml'), 'log: {level: loud}\n');
    const runs: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--log-level', 'loud'], {}, /from the --log-level flag/],
      [[], { SPOTLIGHT_LOG_LEVEL: 'loud' }, /from SPOTLIGHT_LOG_LEVEL/],
      [['--log-level', 'verbose'], {}, /"verbose"/],
      [['--config', join(dir, 'loud.yaml')], {}, /log\.level/],
    ];
    for (const [args, env, text] of runs) {
      const p = serve([...args, '--data', join(dir, 'd'), '--api', '127.0.0.1:0', '--openflow', '127.0.0.1:0'], env);
      expect(await p.exited, args.join(' ')).to.equal(2);
      const err = p.records.find((r) => r.level === 'error');
      expect(err?.field, args.join(' ')).to.equal('log.level');
      expect(String(err?.message)).to.match(text).and.match(/error, warn, info, debug/);
    }
  });

  it('a TLS file that cannot be read stops the start naming its field, before the store is opened', async () => {
    await writeFile(join(dir, 'tls.yaml'), 'openflow: {tls: {cert: /nonexistent/cert.pem, key: /nonexistent/key.pem, ca: /nonexistent/ca.pem}}\n');
    const p = serve(['--config', join(dir, 'tls.yaml'), '--data', join(dir, 'never')]);
    expect(await p.exited).to.equal(2);
    const err = p.records.find((r) => r.level === 'error');
    expect(err?.field).to.equal('openflow.tls.cert');
    expect(String(err?.message)).to.contain('/nonexistent/cert.pem');
    expect(p.records.some((r) => r.message === 'store created' || r.message === 'store opened')).to.equal(false);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'never'))).to.equal(false);
  });

  it('starts on examples/spotlight.yaml as its header says (addresses and data moved aside for the test)', async () => {
    const p = serve(['--config', 'examples/spotlight.yaml', '--api', '127.0.0.1:0', '--openflow', '127.0.0.1:0', '--data', join(dir, 'd')]);
    try {
      const rec = await p.started;
      const url = String(rec.api);
      const token = (await import('node:fs')).readFileSync('examples/api-token.example', 'utf8').trim();
      expect((await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${token}` } })).status).to.equal(200);
    } finally {
      process.kill(p.pid, 'SIGTERM');
      await p.exited;
    }
  });

  it('--version prints the package version; serve --help shows the defaults as written', async () => {
    const run = (args: string[]) =>
      new Promise<string>((resolve) => {
        const c = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        c.stdout!.on('data', (d) => (out += String(d)));
        c.on('exit', () => resolve(out));
      });
    const pkg = JSON.parse((await import('node:fs')).readFileSync('package.json', 'utf8')) as { version: string };
    expect((await run(['--version'])).trim()).to.equal(pkg.version);
    const help = await run(['serve', '--help']);
    expect(help).to.contain('(default: 0.0.0.0:6653)').and.contain('(default: 127.0.0.1:8080)');
    expect(help).to.not.contain('"host"');
  });
  it('--store etcd://...: the model lives in etcd; a second controller on the same store reads it, and so does a restart', async () => {
    const etcd = await startEtcd(1);
    const started: Started[] = [];
    const start = async (): Promise<string> => {
      const p = serve(['--store', `${etcd.url}/serve-test`, '--api', '127.0.0.1:0', '--openflow', '127.0.0.1:0', '--data', join(dir, 'unused')]);
      started.push(p);
      const rec = await p.started;
      expect(rec.data).to.equal(`${etcd.url}/serve-test/`);
      return String(rec.api);
    };
    try {
      const a = await start();
      const put = await fetch(`${a}/v1/networks/n1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 't1', kind: 'private', cidrs: ['10.0.0.0/24'] }) });
      expect(put.status).to.equal(200);
      const b = await start();
      const names = async (url: string) => ((await (await fetch(`${url}/v1/networks`)).json()) as { networks: { name: string }[] }).networks.map((n) => n.name);
      expect(await names(b)).to.deep.equal(['n1']);
      process.kill(started[0]!.pid, 'SIGKILL');
      const c = await start();
      expect(await names(c)).to.deep.equal(['n1']);
    } finally {
      for (const p of started) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await p.exited;
      }
      await etcd.close();
    }
  });

  it('--store etcd://... while etcd does not answer: it waits, saying so, and starts once etcd answers; SIGTERM while it waits ends it with exit 0', async () => {
    const etcd = await startEtcd(1);
    await etcd.stop(0);
    const args = ['--store', `${etcd.url}/serve-wait`, '--api', '127.0.0.1:0', '--openflow', '127.0.0.1:0', '--data', join(dir, 'unused')];
    const waiting = serve(args);
    const stopped = serve(args);
    const warned = (s: Started) => s.records.some((r) => r.message === 'etcd does not answer; trying again' && String(r.what).startsWith('reading the model'));
    try {
      const deadline = Date.now() + 15_000;
      while (!(warned(waiting) && warned(stopped)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(warned(waiting), `records: ${JSON.stringify(waiting.records)}`).to.equal(true);
      process.kill(stopped.pid, 'SIGTERM');
      expect(await stopped.exited).to.equal(0);
      await etcd.restart(0);
      const rec = await waiting.started;
      const put = await fetch(`${String(rec.api)}/v1/networks/n1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 't1', kind: 'private', cidrs: ['10.0.0.0/24'] }) });
      expect(put.status).to.equal(200);
    } finally {
      for (const p of [waiting, stopped]) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await p.exited;
      }
      await etcd.close();
    }
  });

  it('--store with a URL that is not etcd stops the start with exit 1 before anything runs', async () => {
    const p = serve(['--store', 'http://127.0.0.1:2379']);
    expect(await p.exited).to.equal(1);
  });
});
