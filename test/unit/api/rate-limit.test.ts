// Requests per client address (api.rateLimit, @fastify/rate-limit): past the
// limit 429 rate_limited in the one error shape, naming the limit; below it,
// nothing changes; the health probes are never limited.
import { expect } from 'chai';
import { silentLogger } from '../../../src/log.js';
import { DEFAULT_RATE_LIMIT } from '../../../src/api/guards.js';
import { startApi } from '../../../src/api/server.js';
import { makeApi } from './helpers.js';

describe('api rate limit', () => {
  it('answers 429 rate_limited past the limit, per client address, with Retry-After', async () => {
    const { app } = await makeApi({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    const get = (remoteAddress = '192.0.2.1') => app.inject({ method: 'GET', url: '/v1/vms', remoteAddress });
    for (let i = 0; i < 3; i++) expect((await get()).statusCode, `request ${i + 1}`).to.equal(200);
    const over = await get();
    expect(over.statusCode).to.equal(429);
    const body = over.json() as { error: Record<string, string> };
    expect(Object.keys(body)).to.deep.equal(['error']);
    expect(Object.keys(body.error)).to.deep.equal(['code', 'message']);
    expect(body.error.code).to.equal('rate_limited');
    expect(body.error.message).to.include('more than 3 requests in 60 s from 192.0.2.1 (api.rateLimit)');
    expect(Number(over.headers['retry-after'])).to.be.within(1, 60);
    // Another client is not held back by the first, and probes always pass.
    expect((await get('192.0.2.2')).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/live', remoteAddress: '192.0.2.1' })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/health', remoteAddress: '192.0.2.1' })).statusCode).to.equal(200);
    await app.close();
  });

  it('counts requests before authentication and on unknown routes', async () => {
    const { app } = await makeApi({ token: 'tok', rateLimit: { max: 2, timeWindowMs: 60_000 } });
    expect((await app.inject({ method: 'GET', url: '/v1/vms' })).statusCode).to.equal(401);
    expect((await app.inject({ method: 'GET', url: '/v1/nothing', headers: { authorization: 'Bearer tok' } })).statusCode).to.equal(404);
    const over = await app.inject({ method: 'GET', url: '/v1/vms', headers: { authorization: 'Bearer tok' } });
    expect(over.statusCode).to.equal(429);
    expect(over.json().error.code).to.equal('rate_limited');
    await app.close();
  });

  it('startApi limits by default (a partial setting keeps the other default), and rateLimit: false turns it off', async () => {
    const { store } = await makeApi();
    const on = await startApi({ host: '127.0.0.1', port: 0, store, logger: silentLogger() });
    const r = await fetch(`${on.address}/v1/vms`);
    expect(r.status).to.equal(200);
    expect(r.headers.get('x-ratelimit-limit')).to.equal(String(DEFAULT_RATE_LIMIT.max));
    await on.close();
    // A partial setting keeps the default window.
    const partial = await startApi({ host: '127.0.0.1', port: 0, store, logger: silentLogger(), rateLimit: { max: 7 } });
    const p = await fetch(`${partial.address}/v1/vms`);
    expect([p.headers.get('x-ratelimit-limit'), p.headers.get('x-ratelimit-reset')]).to.deep.equal(['7', String(DEFAULT_RATE_LIMIT.timeWindowMs / 1000)]);
    await partial.close();
    const off = await startApi({ host: '127.0.0.1', port: 0, store, logger: silentLogger(), rateLimit: false });
    const o = await fetch(`${off.address}/v1/vms`);
    expect(o.status).to.equal(200);
    expect(o.headers.get('x-ratelimit-limit')).to.equal(null);
    await off.close();
  });
});
