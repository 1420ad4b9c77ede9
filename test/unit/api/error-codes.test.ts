// docs/api.md lists exactly the error codes the API answers with: each code
// in its table is produced here by a real request (or, for the HTTP parser's
// refusals, a raw socket), and each code the source can send is in the table.
// Every answer has the one error shape, names its field and says what the
// field allows, in Spotlight's words rather than the validator's.
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryLevel } from 'memory-level';
import type { LightMyRequestResponse } from 'fastify';
import { buildApi, startApi, type ApiDeps } from '../../../src/api/server.js';
import { clientErrorHandler } from '../../../src/api/validation.js';
import { emptySnapshot } from '../../../src/model/index.js';
import { LevelStore } from '../../../src/store/level-store.js';
import { fullNetworks } from '../model/helpers.js';
import { openStoreOn, StoreError, type KvDb, type Store } from '../../../src/store/index.js';
import { makeApi, network1, SW1, vm1 } from './helpers.js';
import { silentLogger } from '../../support/logs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function documentedCodes(): Map<string, number> {
  const md = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
  const section = md.slice(md.indexOf('## Error codes'));
  const out = new Map<string, number>();
  for (const m of section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Raw HTTP over a socket (the parser's refusals never reach fastify's inject). */
function rawHttp(address: string, text: string): Promise<{ status: number; body: unknown }> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(url.port), url.hostname, () => sock.write(text));
    let data = '';
    sock.on('data', (d) => (data += String(d)));
    sock.on('error', reject);
    sock.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      const body = data.slice(data.indexOf('\r\n\r\n') + 4);
      resolve({ status, body: body ? JSON.parse(body) : undefined });
    });
  });
}

const VALIDATOR_WORDS = /must be equal to one of the allowed values|must match pattern|must be string|must be object|must NOT have|must have required property|must be integer/;

function shape(status: number, body: unknown, label: string): { code: string; message: string; field?: string } {
  const e = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } }).error;
  expect(e, label).to.be.an('object');
  expect(e!.code, label).to.be.a('string');
  expect(e!.message, label).to.be.a('string');
  expect(Object.keys(e!).every((k) => ['code', 'message', 'field'].includes(k)), label).to.equal(true);
  expect(String(e!.message), label).to.not.match(VALIDATOR_WORDS);
  if (e!.field !== undefined) expect(String(e!.message), `${label}: the message names the field`).to.include(String(e!.field));
  expect(status, label).to.be.at.least(400);
  return e as { code: string; message: string; field?: string };
}

describe('api error codes: docs/api.md both ways', function () {
  this.timeout(60_000);

  it('every code documented in docs/api.md is answered by some request, with the documented status', async () => {
    const seen = new Map<string, number>();
    const note = (label: string, r: LightMyRequestResponse | { status: number; body: unknown }): void => {
      const status = 'statusCode' in r ? r.statusCode : r.status;
      const body = 'statusCode' in r ? r.json() : r.body;
      const e = shape(status, body, label);
      seen.set(e.code, status);
    };

    // Plain API: validation, the model's refusals, conflicts.
    const { app } = await makeApi({ token: 'tok', agents: [{ name: 'hv1', token: 'agent-tok', switches: [SW1] }] });
    const auth = { authorization: 'Bearer tok' };
    const put = (url: string, payload: unknown) => app.inject({ method: 'PUT', url, headers: auth, payload: payload as object });
    const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: auth, payload: payload as object });
    const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });
    note('unauthorized', await app.inject({ method: 'GET', url: '/v1/vms' }));
    note('route_not_found', await get('/v1/nothing'));
    note('forbidden', await app.inject({ method: 'GET', url: '/v1/vms', headers: { authorization: 'Bearer agent-tok' } }));
    note('invalid_name', await put('/v1/networks/a%20b', network1));
    note('invalid_kind', await put('/v1/networks/n0', { ...network1, kind: 'shared' }));
    note('invalid_cidr', await put('/v1/networks/n0', { ...network1, cidrs: ['banana'] }));
    note('cidr_overlap', await put('/v1/networks/n0', { ...network1, cidrs: ['10.1.0.0/24', '10.1.0.0/25'] }));
    note('unknown_field', await put('/v1/networks/n0', { ...network1, colour: 'red' }));
    note('missing_field', await put('/v1/networks/n0', { kind: 'private' }));
    note('invalid_field', await put('/v1/networks/n0', { ...network1, cidrs: 'x' }));
    note('invalid_json', await app.inject({ method: 'PUT', url: '/v1/networks/n0', headers: { ...auth, 'content-type': 'application/json' }, payload: '{' }));
    note('unsupported_media_type', await app.inject({ method: 'PUT', url: '/v1/networks/n0', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'x' }));
    note('path_too_long', await get(`/v1/vms/${'a'.repeat(600)}`));
    expect((await put('/v1/networks/n1', network1)).statusCode).to.equal(200);
    note('invalid_mac', await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], mac: 'ff:ff:ff:ff:ff:ff' }] }));
    note('invalid_ip', await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], ips: ['127.0.0.1'] }] }));
    note('invalid_switch', await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], switch: 'nowhere' }] }));
    note('invalid_port', await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], port: 'a b' }] }));
    note('duplicate_interface', await post('/v1/hooks/vm-start', { ...vm1, interfaces: [vm1.interfaces[0], { ...vm1.interfaces[0], ips: [] }] }));
    note('network_not_found', await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], network: 'n9' }] }));
    note('ip_outside_cidrs', await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], ips: ['10.9.0.1'] }] }));
    note('tenant_mismatch', await post('/v1/hooks/vm-start', { ...vm1, tenant: 't2' }));
    expect((await post('/v1/hooks/vm-start', vm1)).statusCode).to.equal(200);
    note('mac_in_use', await post('/v1/hooks/vm-start', { ...vm1, vm: 'vm2', interfaces: [{ ...vm1.interfaces[0], ips: [] }] }));
    note('ip_in_use', await post('/v1/hooks/vm-start', { ...vm1, vm: 'vm2', interfaces: [{ ...vm1.interfaces[0], mac: '52:54:00:00:00:09' }] }));
    note('vm_not_found', await post('/v1/hooks/migration-start', { vm: 'ghost', interfaces: [] }));
    note('interface_not_found', await post('/v1/hooks/migration-start', { vm: 'vm1', interfaces: [{ mac: '52:54:00:00:00:09', switch: SW1, port: 1 }] }));
    note('migration_incomplete', await post('/v1/hooks/migration-start', { vm: 'vm1', interfaces: [] }));
    note('invalid_relation', await put('/v1/relations/r1', { vms: ['vm1', 'vm1'] }));
    note('network_in_use', await app.inject({ method: 'DELETE', url: '/v1/networks/n1', headers: auth }));
    expect((await post('/v1/hooks/migration-start', { vm: 'vm1', interfaces: [{ mac: vm1.interfaces[0]!.mac, switch: SW1, port: 2 }] })).statusCode).to.equal(200);
    note('migration_in_progress', await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], port: 'vnet9' }] }));
    note('body_too_large', await post('/v1/hooks/vm-stop', { vm: 'x'.repeat(2 * 1024 * 1024) }));
    await app.close();
    // Past the per-client limit (api.rateLimit), and an open loopback API asked by another name.
    const limited = await makeApi({ rateLimit: { max: 1, timeWindowMs: 60_000 } });
    await limited.app.inject({ method: 'GET', url: '/v1/vms', remoteAddress: '192.0.2.1' });
    note('rate_limited', await limited.app.inject({ method: 'GET', url: '/v1/vms', remoteAddress: '192.0.2.1' }));
    await limited.app.close();
    const open = await makeApi({ loopbackHostsOnly: true });
    note('host_not_allowed', await open.app.inject({ method: 'GET', url: '/v1/vms', headers: { host: 'evil.example' } }));
    await open.app.close();
    // Every segment taken: a model holding all 1,000,000 networks (made on the fly).
    const full = buildApi({ store: new LevelStore(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { ...emptySnapshot(), networks: fullNetworks() }, silentLogger()), logger: silentLogger(), token: 'tok' });
    note('segments_exhausted', await full.inject({ method: 'PUT', url: '/v1/networks/one-too-many', headers: auth, payload: network1 }));
    await full.close();

    // The parts of the controller the API reads, each in the state that gives its error.
    const parts = async (deps: Partial<ApiDeps>, label: string, req: { method: 'GET' | 'PUT'; url: string; payload?: object }) => {
      const m = await makeApi(deps);
      note(label, await m.app.inject(req));
      await m.app.close();
    };
    const switches: ApiDeps['switches'] = {
      list: () => ['0000000000000001', '0000000000000002', '0000000000000003'].map((dpid) => ({ dpid, version: '1.3', connected: true, ports: [], flowCount: 0, realizedGeneration: null })),
      dumpFlows: async (dpid) => ({ ok: false, reason: dpid.endsWith('1') ? 'disconnected' : dpid.endsWith('2') ? 'timeout' : 'unknown' }),
    };
    await parts({ switches }, 'switch_disconnected', { method: 'GET', url: '/v1/switches/0000000000000001/flows' });
    await parts({ switches }, 'switch_timeout', { method: 'GET', url: '/v1/switches/0000000000000002/flows' });
    await parts({ switches }, 'switch_not_found', { method: 'GET', url: '/v1/switches/0000000000000009/flows' });
    await parts({ admission: { check: () => [{ dpid: SW1, needed: 5, budget: 4, unit: 'flows' }] } }, 'table_budget_exceeded', { method: 'PUT', url: '/v1/networks/n1', payload: network1 });
    await parts({}, 'not_available', { method: 'GET', url: '/v1/explain?from=a&to=b' });
    await parts({ ready: () => false }, 'not_ready', { method: 'GET', url: '/v1/health' });
    await parts(
      { realization: { waitForChange: async () => ({ outcome: 'timeout', pending: [], lagging: [{ dpid: SW1, realizedGeneration: null }] }) } },
      'realization_timeout',
      { method: 'PUT', url: '/v1/networks/n1?wait=1', payload: network1 },
    );
    await parts(
      { realization: { waitForChange: async () => Promise.reject(new Error('boom')) } },
      'internal',
      { method: 'PUT', url: '/v1/networks/n1?wait=1', payload: network1 },
    );

    // Imports: a file whose records clash, and a store that is not empty.
    const imp = await makeApi();
    const file = (segment2: number) => ({
      format: 'spotlight-model', version: 1, generation: 3, vms: [], relations: [],
      networks: [{ name: 'a', tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: 1 }, { name: 'b', tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: segment2 }],
    });
    note('invalid_export', await imp.app.inject({ method: 'POST', url: '/v1/import', payload: file(1) }));
    expect((await imp.app.inject({ method: 'POST', url: '/v1/import', payload: file(2) })).statusCode).to.equal(200);
    note('store_not_empty', await imp.app.inject({ method: 'POST', url: '/v1/import', payload: file(2) }));
    await imp.app.close();

    // A store whose disk refuses the write.
    const db = new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb;
    const failing = await openStoreOn(db, { logger: silentLogger() });
    db.batch = (async () => {
      throw new Error('EIO');
    }) as unknown as KvDb['batch'];
    const f = buildApi({ store: failing, logger: silentLogger() });
    note('store_write_failed', await f.inject({ method: 'PUT', url: '/v1/networks/n1', payload: network1 }));
    await f.close();
    // An etcd store that got no confirmation in time.
    const unconfirmed = Object.assign(Object.create((await makeApi()).store) as Store, {
      apply: async () => Promise.reject(new StoreError('store_unavailable', 'no answer')),
    });
    const u = buildApi({ store: unconfirmed, logger: silentLogger() });
    note('store_unavailable', await u.inject({ method: 'PUT', url: '/v1/networks/n1', payload: network1 }));
    await u.close();

    // What the HTTP parser refuses, over a real socket.
    const plain = await makeApi();
    const s = await startApi({ host: '127.0.0.1', port: 0, store: plain.store, logger: silentLogger() });
    note('request_too_large', await rawHttp(s.address, `GET /v1/vms?x=${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    note('bad_request', await rawHttp(s.address, 'NOT HTTP AT ALL\r\n\r\n'));
    await s.close();
    // Node's headers/request timeouts (60 s / 300 s) end in the same handler.
    let written = '';
    const fakeSocket = { destroyed: false, writable: true, remoteAddress: '127.0.0.1', end: (t: string) => (written = t) } as unknown as net.Socket;
    clientErrorHandler(silentLogger())(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), fakeSocket);
    note('request_timeout', { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(written)![1]), body: JSON.parse(written.slice(written.indexOf('\r\n\r\n') + 4)) });

    const documented = documentedCodes();
    expect([...seen.keys()].sort()).to.deep.equal([...documented.keys()].sort());
    for (const [code, status] of seen) expect(status, code).to.equal(documented.get(code));
  });

  it('every code the source can answer with is documented in docs/api.md', () => {
    const documented = documentedCodes();
    const found = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:sendError\(reply, \d{3}, |errorBody\(|modelError\()'([a-z_]+)'/g)) found.add(m[1]!);
    }
    expect(found.size).to.be.above(20);
    for (const code of found) expect(documented.has(code), `${code} is sent but not in docs/api.md`).to.equal(true);
  });
});

describe('api error messages in Spotlight\'s words', () => {
  it('names the field and says what it allows, for each of the validator\'s old phrasings', async () => {
    const { app } = await makeApi();
    const cases: [string, string, unknown, string, string, RegExp][] = [
      ['PUT', '/v1/networks/n1', { ...network1, kind: 'shared' }, 'invalid_kind', 'kind', /kind must be one of "private", "public" \(got "shared"\)/],
      ['PUT', '/v1/networks/n1?wait=soon', network1, 'invalid_field', 'query.wait', /query\.wait must be a number of seconds from 0 to 3600/],
      ['PUT', '/v1/networks/n1', [], 'invalid_field', 'body', /the body must be a JSON object/],
      ['PUT', '/v1/relations/r1', { vms: ['a'] }, 'invalid_field', 'vms', /vms must be a list of exactly two VM names/],
      ['PUT', '/v1/networks/n1', { ...network1, cidrs: ['banana'] }, 'invalid_cidr', 'cidrs[0]', /"banana" is not a network prefix: expected ADDRESS\/LENGTH.*10\.1\.0\.0\/24/],
      ['PUT', '/v1/networks/n1', { ...network1, shade: 1 }, 'unknown_field', 'shade', /unknown field shade; the known fields here are tenant, kind, cidrs, dhcp, gateways/],
      ['GET', '/v1/explain?from=a', undefined, 'missing_field', 'query.to', /missing field query\.to/],
    ];
    for (const [method, url, payload, code, field, message] of cases) {
      const r = await app.inject({ method: method as 'PUT', url, ...(payload !== undefined ? { payload: payload as object } : {}) });
      const e = shape(r.statusCode, r.json(), url);
      expect([e.code, e.field], url).to.deep.equal([code, field]);
      expect(e.message, url).to.match(message);
    }
    await app.inject({ method: 'PUT', url: '/v1/networks/n1', payload: network1 });
    const port = await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', payload: { ...vm1, interfaces: [{ ...vm1.interfaces[0], port: 1.5 }] } });
    const e = shape(port.statusCode, port.json(), 'port 1.5');
    expect(e.field).to.equal('interfaces[0].port');
    expect(e.message).to.match(/port name .* or a port number from 1 to 4294967040 \(got 1\.5\)/);
    await app.close();
  });

  it('413 names the limit', async () => {
    const { app } = await makeApi({ bodyLimit: 4096 });
    const r = await app.inject({ method: 'POST', url: '/v1/hooks/vm-stop', payload: { vm: 'x'.repeat(8000) } });
    expect(r.statusCode).to.equal(413);
    expect(shape(r.statusCode, r.json(), '413').message).to.include('4096 bytes (4 KiB)');
    await app.close();
  });
});
