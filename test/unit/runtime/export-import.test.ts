// `spotlight export > FILE` from a running controller while hooks write,
// and `spotlight import FILE` into a new one: every export is one state that
// existed (never half a write), and the import gives the same model; a store
// that holds anything refuses it.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClientCommand } from '../../../src/client/index.js';
import { Controller } from '../../../src/controller.js';
import { startEtcd } from '../../support/etcd.js';
import { silentLogger } from '../../support/logs.js';

function controller(dir: string, etcd?: { endpoints: string; prefix: string }): Controller {
  return new Controller({
    openflow: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    dataDir: dir,
    ...(etcd ? { etcd: { endpoints: etcd.endpoints.split(','), prefix: etcd.prefix } } : {}),
    logger: silentLogger(),
  });
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runClientCommand(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('runtime: export and import', function () {
  this.timeout(60_000);
  let dir: string;
  const running: Controller[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spotlight-export-'))));
  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports consistent snapshots while writes run, and imports into an empty store only', async () => {
    const a = controller(join(dir, 'a'));
    running.push(a);
    await a.start();
    const put = (path: string, body: unknown, method = 'POST') =>
      fetch(a.apiAddress! + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put('/v1/networks/n1', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/16'] }, 'PUT')).status).to.equal(200);
    // Each write adds one VM; so in any state that existed, generation = 1 + VMs.
    const writes = Array.from({ length: 150 }, (_, i) =>
      put('/v1/hooks/vm-start', { vm: `vm${i}`, tenant: 't1', interfaces: [{ mac: `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, ips: [`10.1.${i >> 8}.${(i & 255) + 1}`], network: 'n1', switch: '0000000000000001', port: `vnet${i}` }] }),
    );
    const exports: { generation: number; vms: unknown[] }[] = [];
    for (let k = 0; k < 5; k++) {
      const r = await cli(['export', '--api', a.apiAddress!]);
      expect(r.code, r.err).to.equal(0);
      exports.push(JSON.parse(r.out) as { generation: number; vms: unknown[] });
    }
    for (const w of await Promise.all(writes)) expect(w.status).to.equal(200);
    const final = await cli(['export', '--api', a.apiAddress!]);
    exports.push(JSON.parse(final.out) as { generation: number; vms: unknown[] });
    for (const e of exports) expect(e.generation, 'one state that existed').to.equal(1 + e.vms.length);
    expect(exports.at(-1)!.vms).to.have.length(150);
    const file = join(dir, 'model.json');
    writeFileSync(file, final.out);

    const b = controller(join(dir, 'b'));
    running.push(b);
    await b.start();
    const imported = await cli(['import', file, '--api', b.apiAddress!]);
    expect(imported.code, imported.err).to.equal(0);
    expect(imported.out).to.equal(`imported 1 networks, 150 VMs, 0 relations at generation 151\n`);
    const again = await cli(['export', '--api', b.apiAddress!]);
    expect(JSON.parse(again.out)).to.deep.equal(JSON.parse(final.out));

    const refused = await cli(['import', file, '--api', b.apiAddress!, '--json']);
    expect(refused.code).to.equal(1);
    expect(refused.out).to.equal('');
    expect(JSON.parse(refused.err)).to.deep.include({ error: { code: 'store_not_empty', message: refused.err.match(/"message":"([^"]*)"/)![1], status: 409 } });
  });

  it('moves a model from LevelDB to etcd and back: the exports are equal, the generation and segments kept', async () => {
    const etcd = await startEtcd(1);
    try {
      const a = controller(join(dir, 'a'));
      running.push(a);
      await a.start();
      const put = (base: string, path: string, body: unknown, method = 'POST') =>
        fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      for (const n of ['n1', 'n2', 'n3']) expect((await put(a.apiAddress!, `/v1/networks/${n}`, { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/16'] }, 'PUT')).status).to.equal(200);
      expect((await fetch(a.apiAddress! + '/v1/networks/n2', { method: 'DELETE' })).status).to.equal(200);
      for (let i = 0; i < 200; i++) {
        const mac = `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
        expect((await put(a.apiAddress!, '/v1/hooks/vm-start', { vm: `vm${i}`, tenant: 't1', interfaces: [{ mac, ips: [`10.1.${i >> 7}.${(i & 127) + 1}`], network: 'n3', switch: '0000000000000001', port: `vnet${i}` }] })).status).to.equal(200);
      }
      const fromLevel = await cli(['export', '--api', a.apiAddress!]);
      writeFileSync(join(dir, 'level.json'), fromLevel.out);

      const e = controller(join(dir, 'unused'), { endpoints: etcd.endpoints, prefix: '/move-test/' });
      running.push(e);
      await e.start();
      const intoEtcd = await cli(['import', join(dir, 'level.json'), '--api', e.apiAddress!]);
      expect(intoEtcd.code, intoEtcd.err).to.equal(0);
      const fromEtcd = await cli(['export', '--api', e.apiAddress!]);
      expect(JSON.parse(fromEtcd.out)).to.deep.equal(JSON.parse(fromLevel.out));
      expect((JSON.parse(fromEtcd.out) as { networks: { name: string; segment: number }[] }).networks.map((n) => [n.name, n.segment])).to.deep.equal([['n1', 1], ['n3', 3]]);
      writeFileSync(join(dir, 'etcd.json'), fromEtcd.out);

      const back = controller(join(dir, 'back'));
      running.push(back);
      await back.start();
      expect((await cli(['import', join(dir, 'etcd.json'), '--api', back.apiAddress!])).code).to.equal(0);
      expect(JSON.parse((await cli(['export', '--api', back.apiAddress!])).out)).to.deep.equal(JSON.parse(fromLevel.out));
    } finally {
      for (const c of running.splice(0)) await c.stop();
      await etcd.close();
    }
  });
});
