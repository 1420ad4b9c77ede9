import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { silentLogger } from '../../../src/log.js';
import { putNetwork, vmStart, vmStop, deleteNetwork } from '../../../src/model/index.js';
import type { ModelCommit } from '../../../src/model/types.js';
import { openStore, openStoreOn, StoreError, type KvDb, type Store } from '../../../src/store/index.js';

const logger = silentLogger();
const memDb = (): KvDb => new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb;
const net = { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] };
const vm = (name: string, i: number) => ({
  vm: name, tenant: 't1', interfaces: [{ mac: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, ips: [`10.1.0.${i + 1}`], network: 'n1', switch: '0000000000000001', port: `vnet${i}` }],
});

async function expectOpenError(p: Promise<unknown>, codes: string[]): Promise<StoreError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(StoreError);
    expect(codes).to.include((e as StoreError).code);
    return e as StoreError;
  }
  return expect.fail('the store opened');
}

describe('store', () => {
  let dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'spotlight-store-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs = [];
  });

  it('starts empty at generation 0 and counts one generation per change', async () => {
    const store = await openStoreOn(memDb(), { logger });
    expect(store.generation).to.equal(0);
    const a = await store.apply((s) => putNetwork(s, 'n1', net));
    expect(a).to.deep.equal({ ok: true, generation: 1, changed: true });
    const b = await store.apply((s) => putNetwork(s, 'n1', net));
    expect(b).to.deep.equal({ ok: true, generation: 1, changed: false });
    const c = await store.apply((s) => deleteNetwork(s, 'nope'));
    expect(c).to.deep.equal({ ok: true, generation: 1, changed: false });
    const bad = await store.apply((s) => putNetwork(s, 'n2', { ...net, kind: 'x' }));
    expect(bad.ok).to.equal(false);
    expect(store.generation).to.equal(1);
    expect(store.snapshot().generation).to.equal(1);
    await store.close();
  });

  it('gives concurrent writes distinct, ordered generations and feeds every commit in order', async () => {
    const store = await openStoreOn(memDb(), { logger });
    const commits: ModelCommit[] = [];
    store.onCommit((c) => commits.push(c));
    await store.apply((s) => putNetwork(s, 'n1', net));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.apply((s) => vmStart(s, vm(`vm${i}`, i)))));
    expect(results.map((r) => (r.ok ? r.generation : -1))).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(commits.map((c) => c.generation)).to.deep.equal(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(commits[1]!.changes).to.deep.equal([{ kind: 'vm', id: 'vm0', after: store.snapshot().vms.get('vm0') }]);
    await store.close();
  });

  it('reloads every record and the generation from disk', async () => {
    const dir = tmp();
    const store = await openStore(dir, { logger });
    await store.apply((s) => putNetwork(s, 'n1', net));
    await store.apply((s) => putNetwork(s, 'n2', { ...net, kind: 'public' }));
    for (let i = 0; i < 5; i++) await store.apply((s) => vmStart(s, vm(`vm${i}`, i)));
    await store.apply((s) => vmStop(s, 'vm3'));
    await store.apply((s) => deleteNetwork(s, 'n2'));
    const before = store.snapshot();
    await store.close();
    const again = await openStore(dir, { logger });
    const after = again.snapshot();
    expect(after.generation).to.equal(before.generation).and.to.equal(9);
    expect([...after.networks.entries()]).to.deep.equal([...before.networks.entries()]);
    expect([...after.vms.entries()].sort()).to.deep.equal([...before.vms.entries()].sort());
    expect(after.vms.has('vm3')).to.equal(false);
    expect(after.networks.get('n1')!.segment).to.equal(1);
    await again.close();
  });

  it('refuses a store another instance holds open', async () => {
    const dir = tmp();
    const store = await openStore(dir, { logger });
    const e = await expectOpenError(openStore(dir, { logger }), ['store_locked']);
    expect(e.message).to.contain(dir);
    await store.close();
  });

  it('refuses a store another process holds open', async function () {
    this.timeout(30_000);
    const dir = tmp();
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../support/crash-child.ts', import.meta.url)), join(dir, 'db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d) => String(d).includes('PORT') && resolve());
        child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
      });
      const e = await expectOpenError(openStore(join(dir, 'db'), { logger }), ['store_locked']);
      expect(e.message).to.match(/another process/);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    // Once the holder is gone the same store opens.
    await (await openStore(join(dir, 'db'), { logger })).close();
  });

  it('refuses a non-empty directory that holds no LevelDB database', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    await expectOpenError(openStore(dir, { logger }), ['store_not_spotlight']);
  });

  it('refuses a LevelDB database that Spotlight did not write', async () => {
    const dir = tmp();
    const raw = new Level<string, string>(dir);
    await raw.put('foo', 'bar');
    await raw.close();
    await expectOpenError(openStore(dir, { logger }), ['store_not_spotlight', 'store_corrupt']);
  });

  it('refuses an unknown schema version', async () => {
    const dir = tmp();
    await (await openStore(dir, { logger })).close();
    const raw = new Level<string, string>(dir);
    await raw.put('m/schema', '99');
    await raw.close();
    const e = await expectOpenError(openStore(dir, { logger }), ['store_schema_unknown']);
    expect(e.message).to.contain('99');
  });

  it('refuses corrupt records rather than skipping them', async () => {
    for (const [key, value] of [['n/n1', '{not json'], ['v/vm1', '{"name":"vm1","tenant":"t1","interfaces":[{"mac":"02:00:00:00:00:01","ips":[],"network":"gone","switch":"0000000000000001","port":1}]}'], ['n/n2', '{"name":"other"}'], ['m/generation', 'x'], ['zz', '1']]) {
      const dir = tmp();
      const s = await openStore(dir, { logger });
      await s.apply((x) => putNetwork(x, 'n1', net));
      await s.close();
      const raw = new Level<string, string>(dir);
      await raw.put(key!, value!);
      await raw.close();
      await expectOpenError(openStore(dir, { logger }), ['store_corrupt']);
    }
  });

  it('refuses damaged database files', async () => {
    const dir = tmp();
    const s = await openStore(dir, { logger });
    await s.apply((x) => putNetwork(x, 'n1', net));
    await s.close();
    writeFileSync(join(dir, 'CURRENT'), 'MANIFEST-999999\n');
    await expectOpenError(openStore(dir, { logger }), ['store_corrupt', 'store_unreadable']);
  });

  it('refuses an unreadable directory', async function () {
    if (process.getuid?.() === 0) this.skip(); // root reads everything
    const dir = tmp();
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'db', 'CURRENT'), 'x');
    chmodSync(join(dir, 'db'), 0o000);
    try {
      await expectOpenError(openStore(join(dir, 'db'), { logger }), ['store_unreadable', 'store_corrupt']);
    } finally {
      chmodSync(join(dir, 'db'), 0o700);
    }
  });

  it('answers a failed write with an error and keeps the state', async () => {
    const db = memDb();
    const store: Store = await openStoreOn(db, { logger });
    await store.apply((s) => putNetwork(s, 'n1', net));
    const fed: ModelCommit[] = [];
    store.onCommit((c) => fed.push(c));
    (db as unknown as { batch: () => Promise<void> }).batch = async () => {
      throw new Error('disk full');
    };
    await expectOpenError(store.apply((s) => putNetwork(s, 'n2', net)), ['store_write_failed']);
    expect(store.generation).to.equal(1);
    expect(store.snapshot().networks.has('n2')).to.equal(false);
    expect(fed).to.deep.equal([]);
  });
});
