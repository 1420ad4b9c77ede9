// The API's transport: HTTPS with the certificate from the settings (and
// nothing in plain HTTP then), a connection that sends nothing closed at the
// idle timeout, and an open loopback API answering only loopback Host names.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi } from '../../../src/api/server.js';
import { makeApi, network1 } from './helpers.js';
import { silentLogger } from '../../support/logs.js';

type Answer = { status: number; body: unknown };

function get(mod: typeof http | typeof https, url: string, opts: https.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = mod.get(url, opts, (res) => {
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
  });
}

describe('api transport', function () {
  this.timeout(20_000);

  describe('HTTPS (api.tls)', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'spotlight-api-tls-'));
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('serves over TLS with the configured certificate, and refuses plain HTTP', async () => {
      const { store } = await makeApi();
      const api = await startApi({ host: '127.0.0.1', port: 0, token: 'tok', store, logger: silentLogger(), tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
      try {
        expect(api.address).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
        const ca = readFileSync(join(dir, 'cert.pem'));
        const r = await get(https, `${api.address}/v1/health`, { ca, headers: { authorization: 'Bearer tok' } });
        expect(r.status).to.equal(200);
        expect((r.body as { status: string }).status).to.equal('ok');
        // The certificate is the one from the settings: a client that does not trust it is refused.
        let untrusted: Error | undefined;
        await get(https, `${api.address}/v1/live`).catch((e: Error) => (untrusted = e));
        expect(untrusted?.message).to.match(/self[- ]signed/i);
        // Plain HTTP on the same port gets no answer.
        let plain: Error | undefined;
        await get(http, `${api.address.replace('https:', 'http:')}/v1/live`).then(
          (a) => expect.fail(`plain HTTP answered ${a.status}`),
          (e: Error) => (plain = e),
        );
        expect(plain).to.be.instanceOf(Error);
      } finally {
        await api.close();
      }
    });
  });

  it('closes a connection that sends nothing at the idle timeout', async () => {
    const { store } = await makeApi();
    const api = await startApi({
      host: '127.0.0.1', port: 0, store, logger: silentLogger(), rateLimit: false,
      timeouts: { idleMs: 300, requestMs: 5000, keepAliveMs: 1000 },
    });
    try {
      const port = Number(new URL(api.address).port);
      const t0 = Date.now();
      const closedAfter = await new Promise<number>((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.on('error', reject);
        sock.on('close', () => resolve(Date.now() - t0));
        setTimeout(() => {
          sock.destroy();
          reject(new Error('the silent connection is still open after 3 s'));
        }, 3000);
      });
      expect(closedAfter).to.be.within(250, 2000);
    } finally {
      await api.close();
    }
  });

  it('does not cut a ?wait write that waits longer than the idle timeout', async () => {
    const { store } = await makeApi();
    const api = await startApi({
      host: '127.0.0.1', port: 0, store, logger: silentLogger(), rateLimit: false,
      timeouts: { idleMs: 300, requestMs: 5000, keepAliveMs: 1000 },
      realization: { waitForChange: () => new Promise((resolve) => setTimeout(() => resolve({ outcome: 'realized', pending: [], lagging: [] }), 1000)) },
    });
    try {
      const r = await fetch(`${api.address}/v1/networks/n1?wait=5`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(network1) });
      expect(r.status).to.equal(200);
      expect(await r.json()).to.deep.include({ generation: 1, pending: [] });
    } finally {
      await api.close();
    }
  });

  it('closes a connection whose request does not arrive in time, even while it trickles', async () => {
    const { store } = await makeApi();
    const api = await startApi({
      host: '127.0.0.1', port: 0, store, logger: silentLogger(), rateLimit: false,
      timeouts: { idleMs: 60_000, requestMs: 600, keepAliveMs: 1000 },
    });
    try {
      const port = Number(new URL(api.address).port);
      const t0 = Date.now();
      const { ms, text } = await new Promise<{ ms: number; text: string }>((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1', () => sock.write('GET /v1/live HTTP/1.1\r\nHost: localhost\r\n'));
        let text = '';
        // One header byte every 100 ms: never idle, never complete.
        const drip = setInterval(() => sock.writable && sock.write('x'), 100);
        sock.on('data', (d) => (text += String(d)));
        sock.on('error', reject);
        sock.on('close', () => {
          clearInterval(drip);
          resolve({ ms: Date.now() - t0, text });
        });
        setTimeout(() => {
          clearInterval(drip);
          sock.destroy();
          reject(new Error('the trickling request is still open after 4 s'));
        }, 4000);
      });
      expect(ms).to.be.within(500, 3000);
      expect(text).to.match(/^HTTP\/1\.1 408/);
      expect(text).to.include('"request_timeout"');
    } finally {
      await api.close();
    }
  });

  describe('Host check of an open loopback API (DNS rebinding)', () => {
    async function status(address: string, host: string): Promise<Answer> {
      const url = new URL(address);
      return get(http, `${address}/v1/vms`, { headers: { host }, port: url.port });
    }

    it('without a token on loopback: 403 host_not_allowed for another name, 200 for loopback names', async () => {
      const { store } = await makeApi();
      const api = await startApi({ host: '127.0.0.1', port: 0, store, logger: silentLogger() });
      try {
        const port = new URL(api.address).port;
        const evil = await status(api.address, 'evil.example');
        expect(evil.status).to.equal(403);
        const e = (evil.body as { error: { code: string; message: string } }).error;
        expect(Object.keys(e)).to.deep.equal(['code', 'message']);
        expect(e.code).to.equal('host_not_allowed');
        expect(e.message).to.include('evil.example');
        expect((await status(api.address, `evil.example:${port}`)).status).to.equal(403);
        for (const host of [`localhost:${port}`, 'localhost', `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
          expect((await status(api.address, host)).status, host).to.equal(200);
        }
      } finally {
        await api.close();
      }
    });

    it('with a token, any Host is answered as before', async () => {
      const { store } = await makeApi();
      const api = await startApi({ host: '127.0.0.1', port: 0, token: 'tok', store, logger: silentLogger() });
      try {
        const r = await get(http, `${api.address}/v1/vms`, { headers: { host: 'spotlight.example', authorization: 'Bearer tok' } });
        expect(r.status).to.equal(200);
      } finally {
        await api.close();
      }
    });
  });
});
