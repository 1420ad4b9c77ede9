// Compute agents' tokens: each may call the hooks and a few reads, and bind,
// stop or move VMs only on its own switches. A refused call stores nothing.
// The operator token keeps everything, and alone works as it always did.
import { expect } from 'chai';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { AgentToken } from '../../../src/api/auth.js';
import type { Store } from '../../../src/store/index.js';
import { makeApi, network1, stateOf, SW1, vm1 } from './helpers.js';

const SW2 = '0000000000000002';
const SW3 = '0000000000000003';
const AGENTS: AgentToken[] = [
  { name: 'hv1', token: 'agent-one', switches: [SW1] },
  { name: 'hv2', token: 'agent-two', switches: [SW2] },
  { name: 'hv3', token: 'agent-three', switches: [SW3] },
];
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const OPERATOR = as('operator-token');
const HV1 = as('agent-one');
const HV2 = as('agent-two');
const HV3 = as('agent-three');

const onSwitch = (sw: string, port = 'vnet0') => ({ ...vm1, interfaces: [{ ...vm1.interfaces[0]!, switch: sw, port }] });

describe('api: agent tokens scoped to switches', () => {
  let app: FastifyInstance;
  let store: Store;
  const post = (headers: Record<string, string>, hook: string, payload: object) => app.inject({ method: 'POST', url: `/v1/hooks/${hook}`, headers, payload });

  beforeEach(async () => {
    ({ app, store } = await makeApi({ token: 'operator-token', agents: AGENTS, lookupSwitch: (name) => (name === 'edge2' ? SW2 : undefined) }));
    expect((await app.inject({ method: 'PUT', url: '/v1/networks/n1', headers: OPERATOR, payload: network1 })).statusCode).to.equal(200);
  });
  afterEach(() => app.close());

  it('binding an interface to a switch outside the agent\'s list is 403 forbidden, and nothing is stored', async () => {
    const before = stateOf(store);
    for (const body of [onSwitch(SW2), onSwitch('edge2'), onSwitch('00:00:00:00:00:00:00:02')]) {
      const res = await post(HV1, 'vm-start', body);
      expect(res.statusCode, JSON.stringify(body)).to.equal(403);
      expect(res.json().error).to.include({ code: 'forbidden', field: 'interfaces[0].switch' });
      expect(res.json().error.message).to.contain('hv1').and.contain(SW2);
    }
    expect(stateOf(store)).to.equal(before);
    const ok = await post(HV1, 'vm-start', onSwitch(SW1));
    expect(ok.statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.interfaces[0]?.switch).to.equal(SW1);
  });

  it('an agent calling an operator route is 403 forbidden and changes nothing; its hooks, its VM, health and liveness answer', async () => {
    const before = stateOf(store);
    const refused: [string, string, object?][] = [
      ['PUT', '/v1/networks/n2', { ...network1, cidrs: ['10.2.0.0/24'], dhcp: { mac: '02:00:00:00:00:03', ip: '10.2.0.2' } }],
      ['DELETE', '/v1/networks/n1'],
      ['PUT', '/v1/relations/r1', { vms: ['vm1', 'vm2'] }],
      ['GET', '/v1/vms'],
      ['GET', '/v1/networks'],
      ['GET', '/v1/switches'],
      ['GET', '/v1/openapi.json'],
      ['GET', '/metrics'],
      ['GET', '/v1/events'],
    ];
    for (const [method, url, payload] of refused) {
      const res = await app.inject({ method: method as 'GET', url, headers: HV1, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).to.equal(403);
      expect(res.json().error.code).to.equal('forbidden');
    }
    expect(stateOf(store)).to.equal(before);
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/vms/vm1', headers: HV1 })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/health', headers: HV1 })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/live', headers: HV1 })).statusCode).to.equal(200);
  });

  it("an agent cannot stop, replace or end the migration of another agent's VM, nor read it", async () => {
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    const before = stateOf(store);
    const refusals = [
      await post(HV2, 'vm-stop', { vm: 'vm1' }),
      await post(HV2, 'vm-start', onSwitch(SW2)),
      await post(HV2, 'migration-end', { vm: 'vm1' }),
      await post(HV2, 'migration-abort', { vm: 'vm1' }),
    ];
    for (const res of refusals) {
      expect(res.statusCode).to.equal(403);
      expect(res.json().error).to.include({ code: 'forbidden', field: 'vm' });
    }
    expect(stateOf(store)).to.equal(before);
    // Another host's VM reads as absent.
    const read = await app.inject({ method: 'GET', url: '/v1/vms/vm1', headers: HV2 });
    expect(read.statusCode).to.equal(404);
    expect(read.json().error.code).to.equal('vm_not_found');
    expect((await app.inject({ method: 'GET', url: '/v1/vms/vm1', headers: OPERATOR })).statusCode).to.equal(200);
  });

  const to = (sw: string, port = 'vnet7') => ({ vm: 'vm1', interfaces: [{ mac: vm1.interfaces[0]!.mac, switch: sw, port }] });

  it('a live migration: both hosts name the destination, only the source ends it, a third host cannot take it over', async () => {
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    // The source's agent names the destination (its tap name is not known there yet) ...
    expect((await post(HV1, 'migration-start', to(SW2, 'pending-0'))).statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.migration).to.equal(undefined);
    // ... and the destination's agent, with its port, starts it.
    expect((await post(HV2, 'migration-start', to(SW2))).statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.migration?.destinations).to.deep.equal([{ mac: vm1.interfaces[0]!.mac, switch: SW2, port: 'vnet7' }]);
    expect(store.snapshot().vms.get('vm1')?.heldMigration).to.equal(undefined);
    expect((await app.inject({ method: 'GET', url: '/v1/vms/vm1', headers: HV2 })).statusCode).to.equal(200);
    const inFlight = stateOf(store);
    const takeover = await post(HV3, 'migration-start', to(SW3));
    expect(takeover.statusCode).to.equal(403);
    expect(takeover.json().error).to.include({ code: 'forbidden', field: 'vm' });
    expect((await post(HV2, 'migration-end', { vm: 'vm1' })).statusCode).to.equal(403);
    expect((await post(HV3, 'migration-abort', { vm: 'vm1' })).statusCode).to.equal(403);
    expect(stateOf(store)).to.equal(inFlight);
    expect((await post(HV1, 'migration-end', { vm: 'vm1' })).statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.interfaces[0]?.switch).to.equal(SW2);
    // Now the VM is hv2's: hv1 may no longer stop it.
    expect((await post(HV1, 'vm-stop', { vm: 'vm1' })).statusCode).to.equal(403);
    expect((await post(HV2, 'vm-stop', { vm: 'vm1' })).statusCode).to.equal(200);
  });

  it("a host claiming another host's VM gets nothing programmed: its claim is held until the VM's host names the same destination", async () => {
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    const claim = await post(HV2, 'migration-start', to(SW2));
    expect(claim.statusCode).to.equal(200);
    expect(claim.json().warnings.map((w: { code: string }) => w.code)).to.deep.equal(['migration_held']);
    const vm = store.snapshot().vms.get('vm1')!;
    // No migration: no destination flows, no RARP switch-over, and the claimant cannot read the VM.
    expect(vm.migration).to.equal(undefined);
    expect(vm.heldMigration).to.deep.equal({ destinations: [{ mac: vm1.interfaces[0]!.mac, switch: SW2, port: 'vnet7' }], askedBy: 'destination' });
    expect((await app.inject({ method: 'GET', url: '/v1/vms/vm1', headers: HV2 })).statusCode).to.equal(404);
    // Repeating the claim changes nothing; the VM's own start again keeps it.
    const held = stateOf(store);
    expect((await post(HV2, 'migration-start', to(SW2))).statusCode).to.equal(200);
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    expect(stateOf(store)).to.equal(held);
    // The source agrees by naming the same switch: the migration starts with the destination's port.
    expect((await post(HV1, 'migration-start', to(SW2, 'pending-0'))).statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.migration?.destinations).to.deep.equal([{ mac: vm1.interfaces[0]!.mac, switch: SW2, port: 'vnet7' }]);
    expect(store.snapshot().vms.get('vm1')?.heldMigration).to.equal(undefined);
  });

  it("the source's destination stands: another host's claim is refused or replaced, and the real destination's starts the migration", async () => {
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    // hv3 claims first; while its claim is held, hv2 may not replace it.
    expect((await post(HV3, 'migration-start', to(SW3))).statusCode).to.equal(200);
    const blocked = await post(HV2, 'migration-start', to(SW2));
    expect(blocked.statusCode).to.equal(403);
    expect(blocked.json().error).to.include({ code: 'forbidden', field: 'vm' });
    // The source names hv2's switch: hv3's claim goes, and hv3 cannot claim again.
    expect((await post(HV1, 'migration-start', to(SW2, 'pending-0'))).statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.heldMigration?.askedBy).to.equal('source');
    const late = await post(HV3, 'migration-start', to(SW3));
    expect(late.statusCode).to.equal(403);
    expect(late.json().error).to.include({ code: 'forbidden', field: 'interfaces' });
    expect(store.snapshot().vms.get('vm1')?.migration).to.equal(undefined);
    expect((await post(HV2, 'migration-start', to(SW2))).statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.migration?.destinations[0]?.switch).to.equal(SW2);
  });

  it('either side may abort a migration, and a destination may withdraw its held claim', async () => {
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    for (const side of [HV1, HV2]) {
      expect((await post(HV1, 'migration-start', to(SW2))).statusCode).to.equal(200);
      expect((await post(HV2, 'migration-start', to(SW2))).statusCode).to.equal(200);
      expect(store.snapshot().vms.get('vm1')?.migration).to.not.equal(undefined);
      expect((await post(side, 'migration-abort', { vm: 'vm1' })).statusCode).to.equal(200);
      expect(store.snapshot().vms.get('vm1')?.migration).to.equal(undefined);
    }
    for (const side of [HV2, HV1]) {
      expect((await post(HV2, 'migration-start', to(SW2))).statusCode).to.equal(200);
      expect((await post(side, 'migration-abort', { vm: 'vm1' })).statusCode).to.equal(200);
      expect(store.snapshot().vms.get('vm1')?.heldMigration).to.equal(undefined);
    }
    expect((await post(HV3, 'migration-abort', { vm: 'vm1' })).statusCode).to.equal(403);
  });

  it('an agent holding both sides, and the operator, start a migration at once', async () => {
    await app.close();
    ({ app, store } = await makeApi({ token: 'operator-token', agents: [...AGENTS, { name: 'hv12', token: 'agent-both', switches: [SW1, SW2] }] }));
    expect((await app.inject({ method: 'PUT', url: '/v1/networks/n1', headers: OPERATOR, payload: network1 })).statusCode).to.equal(200);
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    expect((await post(as('agent-both'), 'migration-start', to(SW2))).statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.migration?.destinations[0]?.switch).to.equal(SW2);
    expect((await post(OPERATOR, 'migration-start', to(SW3))).statusCode).to.equal(200);
    expect(store.snapshot().vms.get('vm1')?.migration?.destinations[0]?.switch).to.equal(SW3);
  });

  it('a held migration is kept by the store, the export and an import', async () => {
    expect((await post(HV1, 'vm-start', onSwitch(SW1))).statusCode).to.equal(200);
    expect((await post(HV2, 'migration-start', to(SW2))).statusCode).to.equal(200);
    const exported = await app.inject({ method: 'GET', url: '/v1/export', headers: OPERATOR });
    const doc = exported.json();
    expect(doc.vms[0].heldMigration).to.deep.equal({ destinations: [{ mac: vm1.interfaces[0]!.mac, switch: SW2, port: 'vnet7' }], askedBy: 'destination' });
    const fresh = await makeApi({ token: 'operator-token' });
    const imported = await fresh.app.inject({ method: 'POST', url: '/v1/import', headers: OPERATOR, payload: doc });
    expect(imported.statusCode, imported.body).to.equal(200);
    expect(fresh.store.snapshot().vms.get('vm1')).to.deep.equal(store.snapshot().vms.get('vm1'));
    await fresh.app.close();
  });

  it('the operator token keeps every route and every switch', async () => {
    expect((await post(OPERATOR, 'vm-start', onSwitch(SW2))).statusCode).to.equal(200);
    expect((await post(OPERATOR, 'vm-start', { ...onSwitch(SW3), vm: 'vm2', interfaces: [{ ...vm1.interfaces[0]!, mac: '52:54:00:00:00:02', ips: ['10.1.0.11'], switch: SW3 }] })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'PUT', url: '/v1/relations/r1', headers: OPERATOR, payload: { vms: ['vm1', 'vm2'] } })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/vms', headers: OPERATOR })).json().vms).to.have.length(2);
    expect((await post(OPERATOR, 'vm-stop', { vm: 'vm1' })).statusCode).to.equal(200);
  });

  it('the web view takes the operator token only, neither at its login nor as a cookie', async () => {
    const login = await app.inject({ method: 'POST', url: '/ui/login', payload: { token: 'agent-one' } });
    expect(login.statusCode).to.equal(401);
    const cookie = await app.inject({ method: 'GET', url: '/v1/vms/vm1', headers: { cookie: 'spotlight_token=agent-one' } });
    expect(cookie.statusCode).to.equal(401);
  });

  it('compares the given token with every token, whichever matches', async () => {
    const real = crypto.timingSafeEqual;
    let compared = 0;
    crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared++;
      return real(a, b);
    };
    syncBuiltinESMExports();
    try {
      for (const headers of [OPERATOR, HV1, HV3, as('nobody')]) {
        compared = 0;
        await app.inject({ method: 'GET', url: '/v1/health', headers });
        expect(compared, headers.authorization).to.equal(1 + AGENTS.length);
      }
    } finally {
      crypto.timingSafeEqual = real;
      syncBuiltinESMExports();
    }
  });
});

describe('api: the operator token alone', () => {
  it('works as before: an agent-like token is 401, the operator token reaches every route', async () => {
    const { app, store } = await makeApi({ token: 'operator-token' });
    const before = stateOf(store);
    const res = await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', headers: HV1, payload: onSwitch(SW1) });
    expect(res.statusCode).to.equal(401);
    expect(stateOf(store)).to.equal(before);
    expect((await app.inject({ method: 'PUT', url: '/v1/networks/n1', headers: OPERATOR, payload: network1 })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', headers: OPERATOR, payload: onSwitch(SW2) })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/vms', headers: OPERATOR })).statusCode).to.equal(200);
    await app.close();
  });
});
