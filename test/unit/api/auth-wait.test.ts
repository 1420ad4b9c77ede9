import { expect } from 'chai';
import { request } from 'node:http';
import { silentLogger } from '../../../src/log.js';
import type { RealizationTracker } from '../../../src/api/realization.js';
import { startApi } from '../../../src/api/server.js';
import { makeApi, network1 } from './helpers.js';

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
  it('answers once the tracker says realized, passing the generation and timeout', async () => {
    const calls: [number, number][] = [];
    const realization: RealizationTracker = {
      waitFor: async (g, ms) => {
        calls.push([g, ms]);
        return 'realized';
      },
    };
    const { app } = await makeApi({ realization });
    const res = await app.inject({ method: 'PUT', url: '/v1/networks/n1?wait=2.5', payload: network1 });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.equal({ generation: 1 });
    expect(calls).to.deep.equal([[1, 2500]]);
    await app.close();
  });

  it('answers 504 on timeout and keeps the change', async () => {
    const realization: RealizationTracker = { waitFor: async () => 'timeout' };
    const { app, store } = await makeApi({ realization });
    const res = await app.inject({ method: 'PUT', url: '/v1/networks/n1?wait=1', payload: network1 });
    expect(res.statusCode).to.equal(504);
    expect(res.json().error.code).to.equal('realization_timeout');
    expect(res.json().generation).to.equal(1);
    expect(store.snapshot().networks.has('n1')).to.equal(true);
    await app.close();
  });

  it('by default counts a durable generation as realized', async () => {
    const { app } = await makeApi();
    const res = await app.inject({ method: 'PUT', url: '/v1/networks/n1?wait=0', payload: network1 });
    expect(res.statusCode).to.equal(200);
    await app.close();
  });
});
