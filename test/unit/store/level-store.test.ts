import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { putNetwork } from '../../../src/model/index.js';
import { openStore, openStoreOn, StoreError, type KvDb, type Store } from '../../../src/store/index.js';
import { net, storeContract } from './contract.js';
import { silentLogger } from '../../support/logs.js';

const logger = silentLogger();
const memDb = (): KvDb => new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb;

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

describe('LevelDB store', () => {
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

  describe('store contract', () => {
    const where = new WeakMap<Store, string>();
    storeContract(() => ({
      async fresh() {
        const dir = tmp();
        const s = await openStore(dir, { logger });
        where.set(s, dir);
        return s;
      },
      async reopen(store) {
        const s = await openStore(where.get(store)!, { logger });
        where.set(s, where.get(store)!);
        return s;
      },
      async breakWrites(store) {
        const db = (store as unknown as { db: KvDb }).db;
        (db as unknown as { batch: () => Promise<void> }).batch = async () => {
          throw new Error('disk full');
        };
        return ['store_write_failed'];
      },
    }));
  });

  it('works over any abstract-level database (memory-level)', async () => {
    const store = await openStoreOn(memDb(), { logger });
    expect(await store.apply((s) => putNetwork(s, 'n1', net))).to.deep.equal({ ok: true, generation: 1, changed: true });
    await store.close();
  });

  it('runs a group of queued writes for at most about 20 ms, so the event loop is served between groups; every write is answered, in order', async () => {
    const db = memDb();
    const store = await openStoreOn(db, { logger });
    let groups = 0;
    const batch = db.batch.bind(db) as (...a: unknown[]) => Promise<void>;
    (db as unknown as { batch: (...a: unknown[]) => Promise<void> }).batch = (...a: unknown[]) => {
      groups++;
      return batch(...a);
    };
    // Each write's checks take 10 ms of the event loop (a trial compile at a cloud's scale).
    const slow = (name: string) => (s: Parameters<typeof putNetwork>[0]) => {
      const until = performance.now() + 10;
      while (performance.now() < until);
      return putNetwork(s, name, net);
    };
    let timerFiredBeforeLast = false;
    let lastAnswered = false;
    setTimeout(() => (timerFiredBeforeLast = !lastAnswered), 1);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.apply(slow(`n${i}`)).then((r) => {
          if (i === 11) lastAnswered = true;
          return r;
        }),
      ),
    );
    expect(results.map((r) => (r.ok ? r.generation : r.error.code))).to.deep.equal(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(groups, 'groups written').to.be.at.least(4);
    expect(timerFiredBeforeLast, 'a timer ran between groups').to.equal(true);
    await store.close();
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
});
