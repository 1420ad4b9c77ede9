import { expect } from 'chai';
import { request } from 'node:http';
import type { ChangeRealization } from '../../../src/api/realization.js';
import { startApi } from '../../../src/api/server.js';
import { makeApi, network1 } from './helpers.js';
import { silentLogger } from '../../support/logs.js';

describe('api authentication', () => {
  it('requires the bearer token on every call when one is configured', async () => {
    const { app } = await makeApi({ token: 's3cret-token' });
    for (const [method, url] of [['GET', '/v1/health'], ['GET', '/v1/vms'], ['GET', '/v1/openapi.json'], ['PUT', '/v1/networks/n1'], ['POST', '/v1/hooks/vm-stop']] as const) {
      for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cret-toke', 'Basic s3cret-token', 's3cret-token', 'Bearer s3cret-token x']) {
        const headers = authorization ? { authorization } : {};
        const res = await app.inject({ method, url, headers, ...(method === 'GET' ? {} : { payload: { vm: 'x' } }) });
        expect(res.statusCode, `${method} ${url} ${authorization}`).to.equal(401);
        expect(res.json().error.code).to.equal('unauthorized');
        expect(res.headers['www-authenticate']).to.equal('Bearer');
      }
    }
    const ok = await app.inject({ method: 'PUT', url: '/v1/networks/n1', headers: { authorization: 'Bearer s3cret-token' }, payload: network1 });
    expect(ok.statusCode).to.equal(200);
    await app.close();
  });

  it('answers liveness at /v1/live without the token for probes, with no data; health keeps the token', async () => {
    const { app } = await makeApi({ token: 's3cret-token' });
    const bare = await app.inject({ method: 'GET', url: '/v1/live' });
    expect(bare.statusCode).to.equal(200);
    expect(bare.json()).to.deep.equal({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).to.equal(401);
    const full = await app.inject({ method: 'GET', url: '/v1/health', headers: { authorization: 'Bearer s3cret-token' } });
    expect(full.json()).to.deep.equal({ status: 'ok', generation: 0 });
    const starting = await makeApi({ token: 's3cret-token', ready: () => false });
    expect((await starting.app.inject({ method: 'GET', url: '/v1/live' })).statusCode).to.equal(503);
    await starting.app.close();
    await app.close();
  });

  it('health turns 503 when the store cannot write durably, and back to 200 when it can', async () => {
    const { MemoryLevel } = await import('memory-level');
    const { openStoreOn } = await import('../../../src/store/index.js');
    const { buildApi } = await import('../../../src/api/server.js');
    const db = new MemoryLevel<string, string>({ valueEncoding: 'utf8' });
    const store = await openStoreOn(db as never, { logger: silentLogger() });
    const app = buildApi({ store, logger: silentLogger() });
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).to.equal(200);
    const batch = db.batch.bind(db);
    (db as unknown as { batch: unknown }).batch = async () => {
      throw new Error('EIO: fsync failed');
    };
    await new Promise((r) => setTimeout(r, 1100));
    const down = await app.inject({ method: 'GET', url: '/v1/health' });
    expect(down.statusCode).to.equal(503);
    expect(down.json().error.code).to.equal('store_write_failed');
    expect((await app.inject({ method: 'GET', url: '/v1/live' })).statusCode).to.equal(503);
    (db as unknown as { batch: unknown }).batch = batch;
    await new Promise((r) => setTimeout(r, 1100));
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).to.equal(200);
    await app.close();
  });

  it('takes calls without a token when none is configured', async () => {
    const { app } = await makeApi();
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).to.equal(200);
    await app.close();
  });

  it('refuses to listen on a non-loopback address without a token', async () => {
    const { store } = await makeApi();
    const saved = process.env.SPOTLIGHT_API_TOKEN;
    delete process.env.SPOTLIGHT_API_TOKEN;
    try {
      for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
        let failed: Error | undefined;
        try {
          const s = await startApi({ host, port: 0, store, logger: silentLogger() });
          await s.close();
        } catch (e) {
          failed = e as Error;
        }
        expect(failed?.message, host).to.match(/refusing.*token/);
      }
    } finally {
      if (saved !== undefined) process.env.SPOTLIGHT_API_TOKEN = saved;
    }
  });

  it('listens on an ephemeral loopback port, and with a token on any address', async () => {
    const { store } = await makeApi();
    const s = await startApi({ host: '127.0.0.1', port: 0, store, logger: silentLogger() });
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL('/v1/health', s.address);
      request(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(status).to.equal(200);
    await s.close();
    const t = await startApi({ host: '0.0.0.0', port: 0, token: 'tok', store, logger: silentLogger() });
    await t.close();
  });
});

describe('api ?wait=SECONDS', () => {
  it('waits for the change, passing its generation, the switches it names and the timeout; 200 lists the pending switches', async () => {
    const calls: { generation: number; named: string[]; timeoutMs: number }[] = [];
    const realization: ChangeRealization = {
      waitForChange: async (req) => {
        calls.push(req);
        return { outcome: 'realized', pending: ['0000000000000009'], lagging: [] };
      },
    };
    const { app } = await makeApi({ realization });
    const gw = { mac: '02:00:00:00:00:fe', ips: ['10.1.0.1'], switch: '0000000000000009', port: 'eth1' };
    const res = await app.inject({ method: 'PUT', url: '/v1/networks/n1?wait=2.5', payload: { ...network1, gateways: [gw] } });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.include({ generation: 1, pending: ['0000000000000009'] });
    expect(calls).to.deep.equal([{ generation: 1, named: ['0000000000000009'], timeoutMs: 2500 }]);
    await app.close();
  });

  it('answers 504 naming each lagging switch with its realized generation, and keeps the change', async () => {
    const realization: ChangeRealization = {
      waitForChange: async () => ({
        outcome: 'timeout',
        pending: [],
        lagging: [
          { dpid: '0000000000000001', realizedGeneration: 0 },
          { dpid: '0000000000000002', realizedGeneration: null },
        ],
      }),
    };
    const { app, store } = await makeApi({ realization });
    const res = await app.inject({ method: 'PUT', url: '/v1/networks/n1?wait=1', payload: network1 });
    expect(res.statusCode).to.equal(504);
    const body = res.json();
    expect(body.error.code).to.equal('realization_timeout');
    expect(body.error.message).to.include('0000000000000001 (at generation 0)').and.include('0000000000000002 (at generation none)');
    expect(body.generation).to.equal(1);
    expect(body.lagging).to.deep.equal([
      { switch: '0000000000000001', realizedGeneration: 0 },
      { switch: '0000000000000002', realizedGeneration: null },
    ]);
    expect(store.snapshot().networks.has('n1')).to.equal(true);
    await app.close();
  });

  it('wait=0 does not wait: 200 at once, without asking the switches', async () => {
    let asked = 0;
    const realization: ChangeRealization = {
      waitForChange: async () => {
        asked++;
        return { outcome: 'timeout', pending: [], lagging: [{ dpid: '0000000000000001', realizedGeneration: null }] };
      },
    };
    const { app } = await makeApi({ realization });
    for (const wait of ['0', '0.0', '0.000']) {
      const res = await app.inject({ method: 'PUT', url: `/v1/networks/n${wait.length}?wait=${wait}`, payload: network1 });
      expect(res.statusCode, wait).to.equal(200);
      expect(Object.keys(res.json()).filter((k) => k !== 'warnings')).to.deep.equal(['generation']);
    }
    expect(asked).to.equal(0);
    await app.close();
  });

  it('by default counts a durable generation as realized', async () => {
    const { app } = await makeApi();
    const res = await app.inject({ method: 'PUT', url: '/v1/networks/n1?wait=1', payload: network1 });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.include({ generation: 1, pending: [] });
    await app.close();
  });
});
