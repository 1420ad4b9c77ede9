// The libvirt qemu hook (examples/libvirt/qemu) run with Debian's python3
// against a real Spotlight API on an ephemeral loopback port, fed recorded
// domain XML, for a start, a live migration (end and abort) and a stop.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryLevel } from 'memory-level';
import { startApi } from '../../../src/api/server.js';
import { putNetwork } from '../../../src/model/index.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import { silentLogger } from '../../support/logs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOOK = join(ROOT, 'examples/libvirt/qemu');
const FIXTURES = join(ROOT, 'test/fixtures/libvirt');
const PYTHON = '/usr/bin/python3';
const TOKEN = 'hook-test-token';
const SRC = '00000000000000a1';
const DST = '00000000000000b2';

interface HookRun {
  code: number | null;
  stderr: string;
}

/** Runs the hook as libvirt does, with `env` and the domain XML of `fixture` on its standard input. */
function runHook(env: Record<string, string>, args: string[], fixture: string): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, [HOOK, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += String(d)));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stderr }));
    p.stdin.end(readFileSync(join(FIXTURES, fixture)));
  });
}

describe('libvirt qemu hook', function () {
  this.timeout(60_000);
  let store: Store;
  let api: { close(): Promise<void>; address: string };
  let dir: string;
  const configs: Record<string, string> = {};

  before(async function () {
    if (!existsSync(PYTHON)) this.skip();
    store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    api = await startApi({ host: '127.0.0.1', port: 0, token: TOKEN, store, logger: silentLogger() });
    const put = (name: string, body: unknown) =>
      fetch(`${api.address}/v1/networks/${name}`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put('n1', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] })).status).to.equal(200);
    expect((await put('n2', { tenant: 't1', kind: 'private', cidrs: ['10.2.0.0/24'] })).status).to.equal(200);
    expect((await put('pub', { tenant: 'isp', kind: 'public', cidrs: ['192.0.2.0/24', '2001:db8:77::/64'] })).status).to.equal(200);
    dir = mkdtempSync(join(tmpdir(), 'spotlight-hook-'));
    const interfaces = { '52:54:00:6b:3c:01': { network: 'n1', ips: ['10.1.0.10'] }, '52:54:00:6b:3c:02': { network: 'n2', ips: ['10.2.0.10'] } };
    for (const [host, dpid] of [['src', SRC], ['dst', DST]] as const) {
      configs[host] = join(dir, `${host}.json`);
      writeFileSync(configs[host]!, JSON.stringify({ switch: dpid, bridges: { 'br-pub': dpid.replace(/(..)(?!$)/g, '$1:') }, timeout: 5, domains: { web1: { tenant: 't1' } }, interfaces }));
    }
  });

  after(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function hook(host: string, args: string[], fixture: string, env: Record<string, string> = {}): Promise<HookRun> {
    return runHook({ SPOTLIGHT_URL: api.address, SPOTLIGHT_API_TOKEN: TOKEN, SPOTLIGHT_HOOK_CONFIG: configs[host]!, ...env }, args, fixture);
  }

  async function ok(host: string, args: string[], fixture: string): Promise<void> {
    const r = await hook(host, args, fixture);
    expect(r.code, r.stderr).to.equal(0);
  }

  const vm = (name: string) => store.snapshot().vms.get(name);

  it('starts the VM with its managed interfaces, MACs and tap devices', async () => {
    await ok('src', ['web1', 'prepare', 'begin', '-'], 'web1-running-src.xml');
    expect(vm('web1')).to.equal(undefined);
    await ok('src', ['web1', 'started', 'begin', '-'], 'web1-running-src.xml');
    expect(vm('web1')).to.deep.equal({
      name: 'web1', tenant: 't1',
      interfaces: [
        { mac: '52:54:00:6b:3c:01', ips: ['10.1.0.10'], network: 'n1', switch: SRC, port: 'vnet0' },
        { mac: '52:54:00:6b:3c:02', ips: ['10.2.0.10'], network: 'n2', switch: SRC, port: 'vnet1' },
      ],
    });
    const g = store.generation;
    await ok('src', ['web1', 'reconnect', 'begin', '-'], 'web1-running-src.xml');
    expect(store.generation).to.equal(g);
  });

  it('follows a live migration to its end', async () => {
    await ok('dst', ['web1', 'migrate', 'begin', '-'], 'web1-migrate-incoming.xml');
    expect(vm('web1')!.migration!.destinations.map((d) => d.switch)).to.deep.equal([DST, DST]);
    await ok('dst', ['web1', 'prepare', 'begin', '-'], 'web1-running-dst.xml');
    await ok('dst', ['web1', 'started', 'begin', '-'], 'web1-running-dst.xml');
    expect(vm('web1')!.migration!.destinations).to.deep.equal([
      { mac: '52:54:00:6b:3c:01', switch: DST, port: 'vnet7' },
      { mac: '52:54:00:6b:3c:02', switch: DST, port: 'vnet8' },
    ]);
    expect(vm('web1')!.interfaces[0]!.switch).to.equal(SRC);
    await ok('src', ['web1', 'stopped', 'end', '-'], 'web1-running-src.xml');
    expect(vm('web1')!.migration).to.equal(undefined);
    expect(vm('web1')!.interfaces.map((i) => [i.switch, i.port])).to.deep.equal([[DST, 'vnet7'], [DST, 'vnet8']]);
    await ok('src', ['web1', 'release', 'end', '-'], 'web1-running-src.xml');
    expect(vm('web1')).to.not.equal(undefined);
  });

  it('keeps the source when the incoming side goes away (abort)', async () => {
    await ok('src', ['web1', 'migrate', 'begin', '-'], 'web1-migrate-incoming.xml');
    expect(vm('web1')!.migration!.destinations[0]!.switch).to.equal(SRC);
    await ok('src', ['web1', 'release', 'end', '-'], 'web1-migrate-incoming.xml');
    expect(vm('web1')!.migration).to.equal(undefined);
    expect(vm('web1')!.interfaces[0]!.switch).to.equal(DST);
  });

  it('stops the VM where it runs', async () => {
    await ok('dst', ['web1', 'stopped', 'end', '-'], 'web1-running-dst.xml');
    expect(vm('web1')).to.equal(undefined);
    await ok('dst', ['web1', 'release', 'end', '-'], 'web1-running-dst.xml');
  });

  it('takes tenant, network and IPs from the domain metadata', async () => {
    await ok('src', ['db1', 'started', 'begin', '-'], 'db1-with-metadata.xml');
    expect(vm('db1')).to.deep.equal({
      name: 'db1', tenant: 't2',
      interfaces: [{ mac: '52:54:00:db:00:01', ips: ['192.0.2.50', '2001:db8:77::50'], network: 'pub', switch: SRC, port: 'tap-db1' }],
    });
  });

  it('fails (non-zero, message on stderr) on refusal or a wrong token', async () => {
    const bad = await hook('src', ['web1', 'started', 'begin', '-'], 'web1-running-src.xml', { SPOTLIGHT_API_TOKEN: 'wrong' });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain('401');
    // db1's MAC and IP taken by another domain on the same network: 409.
    const cfg = join(dir, 'clash.json');
    writeFileSync(cfg, JSON.stringify({ switch: SRC, domains: { db2: { tenant: 't2' } } }));
    const xml = readFileSync(join(FIXTURES, 'db1-with-metadata.xml'), 'utf8').replace('<name>db1</name>', '<name>db2</name>');
    writeFileSync(join(dir, 'db2.xml'), xml);
    const clash = await new Promise<HookRun>((resolve) => {
      const p = spawn(PYTHON, [HOOK, 'db2', 'started', 'begin', '-'], { env: { SPOTLIGHT_URL: api.address, SPOTLIGHT_API_TOKEN: TOKEN, SPOTLIGHT_HOOK_CONFIG: cfg }, stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += String(d)));
      p.on('exit', (code) => resolve({ code, stderr }));
      p.stdin.end(xml);
    });
    expect(clash.code).to.equal(1);
    expect(clash.stderr).to.contain('mac_in_use');
    expect(vm('db2')).to.equal(undefined);
  });

  it('takes a 504 realization_timeout as stored, not yet realized: one write, exit 0, no retry', async () => {
    let waits = 0;
    const slowStore = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    const slow = await startApi({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      store: slowStore,
      logger: silentLogger(),
      realization: {
        waitForChange: async (req) => {
          waits++;
          return { outcome: 'timeout', pending: [], lagging: [{ dpid: SRC, realizedGeneration: req.generation - 1 }] };
        },
      },
    });
    try {
      await slowStore.apply((s) => putNetwork(s, 'n1', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] }));
      await slowStore.apply((s) => putNetwork(s, 'n2', { tenant: 't1', kind: 'private', cidrs: ['10.2.0.0/24'] }));
      const cfg = join(dir, 'wait.json');
      const interfaces = { '52:54:00:6b:3c:01': { network: 'n1', ips: ['10.1.0.10'] }, '52:54:00:6b:3c:02': { network: 'n2', ips: ['10.2.0.10'] } };
      writeFileSync(cfg, JSON.stringify({ switch: SRC, wait: 1, timeout: 10, domains: { web1: { tenant: 't1' } }, interfaces }));
      const t0 = Date.now();
      const r = await new Promise<HookRun>((resolve) => {
        const p = spawn(PYTHON, [HOOK, 'web1', 'started', 'begin', '-'], { env: { SPOTLIGHT_URL: slow.address, SPOTLIGHT_API_TOKEN: TOKEN, SPOTLIGHT_HOOK_CONFIG: cfg }, stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr.on('data', (d) => (stderr += String(d)));
        p.on('exit', (code) => resolve({ code, stderr }));
        p.stdin.end(readFileSync(join(FIXTURES, 'web1-running-src.xml')));
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.contain('stored, not yet realized').and.contain(`${SRC} (at generation 2)`);
      expect(waits).to.equal(1);
      expect(Date.now() - t0).to.be.below(5000);
      expect(slowStore.snapshot().vms.has('web1')).to.equal(true);
    } finally {
      await slow.close();
    }
  });
});

describe('libvirt qemu hook with agent tokens', function () {
  this.timeout(60_000);
  let store: Store;
  let api: { close(): Promise<void>; address: string };
  let dir: string;
  const tokens: Record<string, string> = { src: 'agent-src-token', dst: 'agent-dst-token' };
  const configs: Record<string, string> = {};

  before(async function () {
    if (!existsSync(PYTHON)) this.skip();
    store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    const agents = [
      { name: 'src', token: tokens.src!, switches: [SRC] },
      { name: 'dst', token: tokens.dst!, switches: [DST] },
    ];
    api = await startApi({ host: '127.0.0.1', port: 0, token: TOKEN, agents, store, logger: silentLogger() });
    for (const [name, cidr] of [['n1', '10.1.0.0/24'], ['n2', '10.2.0.0/24']]) {
      const put = await fetch(`${api.address}/v1/networks/${name}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: 't1', kind: 'private', cidrs: [cidr] }),
      });
      expect(put.status).to.equal(200);
    }
    dir = mkdtempSync(join(tmpdir(), 'spotlight-hook-agents-'));
    const interfaces = { '52:54:00:6b:3c:01': { network: 'n1', ips: ['10.1.0.10'] }, '52:54:00:6b:3c:02': { network: 'n2', ips: ['10.2.0.10'] } };
    for (const [host, dpid] of [['src', SRC], ['dst', DST]] as const) {
      configs[host] = join(dir, `${host}.json`);
      writeFileSync(configs[host]!, JSON.stringify({ switch: dpid, bridges: { 'br-pub': dpid }, timeout: 5, domains: { web1: { tenant: 't1' } }, interfaces }));
    }
  });

  after(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function hook(host: string, args: string[], fixture: string): Promise<HookRun> {
    return runHook({ SPOTLIGHT_URL: api.address, SPOTLIGHT_API_TOKEN: tokens[host]!, SPOTLIGHT_HOOK_CONFIG: configs[host]! }, args, fixture);
  }

  async function ok(host: string, args: string[], fixture: string): Promise<void> {
    const r = await hook(host, args, fixture);
    expect(r.code, r.stderr).to.equal(0);
  }

  const vm = (name: string) => store.snapshot().vms.get(name);

  it('refuses an incoming migration that the source did not offer, and leaves nothing behind', async () => {
    await ok('src', ['web1', 'started', 'begin', '-'], 'web1-running-src.xml');
    const before = JSON.stringify(vm('web1'));
    const r = await hook('dst', ['web1', 'migrate', 'begin', '-'], 'web1-migrate-incoming.xml');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('offer');
    expect(JSON.stringify(vm('web1'))).to.equal(before);
  });

  it('follows a migration the source offered to its end', async () => {
    await ok('src', ['web1', 'offer', DST], 'web1-running-src.xml');
    expect(vm('web1')!.migration).to.equal(undefined);
    expect(vm('web1')!.heldMigration!.askedBy).to.equal('source');
    await ok('dst', ['web1', 'migrate', 'begin', '-'], 'web1-migrate-incoming.xml');
    expect(vm('web1')!.migration!.destinations.map((d) => d.switch)).to.deep.equal([DST, DST]);
    await ok('dst', ['web1', 'started', 'begin', '-'], 'web1-running-dst.xml');
    expect(vm('web1')!.migration!.destinations.map((d) => d.port)).to.deep.equal(['vnet7', 'vnet8']);
    await ok('src', ['web1', 'stopped', 'end', '-'], 'web1-running-src.xml');
    expect(vm('web1')!.migration).to.equal(undefined);
    expect(vm('web1')!.interfaces.map((i) => [i.switch, i.port])).to.deep.equal([[DST, 'vnet7'], [DST, 'vnet8']]);
  });
});
