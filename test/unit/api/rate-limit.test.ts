// Requests per client address (api.rateLimit, @fastify/rate-limit): past the
// limit 429 rate_limited in the one error shape, naming the limit; below it,
// nothing changes; the health probes are never limited.
import { expect } from 'chai';
import { DEFAULT_RATE_LIMIT, rateLimitOf } from '../../../src/api/guards.js';
import { startApi } from '../../../src/api/server.js';
import { makeApi } from './helpers.js';
import { silentLogger } from '../../support/logs.js';

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
    const remoteAddress = '198.51.100.7';
    expect((await app.inject({ method: 'GET', url: '/v1/vms', remoteAddress })).statusCode).to.equal(401);
    expect((await app.inject({ method: 'GET', url: '/v1/nothing', remoteAddress, headers: { authorization: 'Bearer tok' } })).statusCode).to.equal(404);
    const over = await app.inject({ method: 'GET', url: '/v1/vms', remoteAddress, headers: { authorization: 'Bearer tok' } });
    expect(over.statusCode).to.equal(429);
    expect(over.json().error.code).to.equal('rate_limited');
    await app.close();
  });

  it('never limits a client on loopback (IPv4, IPv6 or IPv4-mapped)', async () => {
    const { app } = await makeApi({ rateLimit: { max: 1, timeWindowMs: 60_000 } });
    for (const remoteAddress of ['127.0.0.1', '127.0.0.53', '::1', '::ffff:127.0.0.1']) {
      for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'GET', url: '/v1/vms', remoteAddress })).statusCode, `${remoteAddress} #${i + 1}`).to.equal(200);
    }
    expect((await app.inject({ method: 'GET', url: '/v1/vms', remoteAddress: '::ffff:192.0.2.9' })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/vms', remoteAddress: '::ffff:192.0.2.9' })).statusCode).to.equal(429);
    await app.close();
  });

  it('the default applies unless turned off; a partial setting keeps the other default; startApi leaves loopback clients alone', async () => {
    expect(rateLimitOf(undefined)).to.deep.equal(DEFAULT_RATE_LIMIT);
    expect(rateLimitOf({ max: 7 })).to.deep.equal({ max: 7, timeWindowMs: DEFAULT_RATE_LIMIT.timeWindowMs });
    expect(rateLimitOf(false)).to.equal(undefined);
    const { store } = await makeApi();
    const api = await startApi({ host: '127.0.0.1', port: 0, store, logger: silentLogger(), rateLimit: { max: 1 } });
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${api.address}/v1/vms`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('x-ratelimit-limit')).to.equal(null);
    }
    await api.close();
  });

});
