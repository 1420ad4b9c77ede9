// `spotlight serve` as a process: it refuses a store it cannot read with a
// message naming it, answers health once up, keeps what was written across a
// SIGTERM and a restart, and stops cleanly (the store is released).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startController, stopController } from '../../support/e2e.js';

describe('runtime: spotlight serve', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spotlight-serve-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start over a directory that is not a Spotlight store, naming it, and never comes up empty', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'not a database');
    let failure: Error | undefined;
    try {
      const c = await startController({ dataDir: dir, timeoutMs: 30_000 });
      await stopController(c);
    } catch (err) {
      failure = err as Error;
    }
    expect(failure, 'the start must fail').to.not.equal(undefined);
    expect(failure!.message).to.match(/exited \(1\)/);
    expect(failure!.message).to.include(dir);
    expect(failure!.message).to.match(/not empty and holds no LevelDB/);
  });

  it('answers health, keeps a write across SIGTERM and a restart, and exits 0', async () => {
    const data = join(dir, 'data');
    const c1 = await startController({ dataDir: data });
    expect((await api(c1.api, 'GET', '/v1/health')).status).to.equal(200);
    const put = await api(c1.api, 'PUT', '/v1/networks/n1', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] });
    expect(put.status).to.equal(200);
    expect(await stopController(c1, 'SIGTERM')).to.equal(0);
    // The store was closed: a second process opens it and finds the network.
    const c2 = await startController({ dataDir: data });
    const nets = await api(c2.api, 'GET', '/v1/networks');
    expect((nets.body.networks as { name: string }[]).map((n) => n.name)).to.deep.equal(['n1']);
    expect(await stopController(c2, 'SIGINT')).to.equal(0);
  });
});
