import { expect } from 'chai';
import fc from 'fast-check';
import { makeApi, network1, stateOf, SW1 } from './helpers.js';

// Valid requests of every write; the fuzzer mutates them.
const TEMPLATES: { method: 'PUT' | 'POST' | 'DELETE'; url: string; body?: unknown }[] = [
  { method: 'PUT', url: '/v1/networks/n2', body: { tenant: 't1', kind: 'public', cidrs: ['10.2.0.0/24', '2001:db8:2::/64'], dhcp: { mac: '02:00:00:00:02:02', ip: '10.2.0.2' }, gateways: [{ mac: '02:00:00:00:02:01', ips: ['10.2.0.1', '2001:db8:2::1'], switch: SW1, port: 'up' }] } },
  { method: 'PUT', url: '/v1/networks/n1', body: network1 },
  { method: 'DELETE', url: '/v1/networks/n2' },
  { method: 'PUT', url: '/v1/relations/r1', body: { vms: ['vm1', 'vm2'] } },
  { method: 'DELETE', url: '/v1/relations/r1' },
  { method: 'POST', url: '/v1/hooks/vm-start', body: { vm: 'vm3', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:03', ips: ['10.1.0.13'], network: 'n1', switch: SW1, port: 'vnet3' }] } },
  { method: 'POST', url: '/v1/hooks/vm-start', body: { vm: 'vm1', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:01', ips: ['10.1.0.11'], network: 'n1', switch: '00:00:00:00:00:00:00:02', port: 7 }] } },
  { method: 'POST', url: '/v1/hooks/vm-stop', body: { vm: 'vm3' } },
  { method: 'POST', url: '/v1/hooks/migration-start', body: { vm: 'vm2', interfaces: [{ mac: '52:54:00:00:00:02', switch: SW1, port: 'vnet9' }] } },
  { method: 'POST', url: '/v1/hooks/migration-end', body: { vm: 'vm2' } },
  { method: 'POST', url: '/v1/hooks/migration-abort', body: { vm: 'vm2' } },
];

function mutate(value: unknown, rnd: () => number, junk: () => unknown): unknown {
  const r = rnd();
  if (r < 0.15) return junk();
  if (typeof value === 'string') {
    if (r < 0.4) return value.slice(0, Math.floor(rnd() * value.length));
    if (r < 0.6) {
      const i = Math.floor(rnd() * (value.length + 1));
      return value.slice(0, i) + String.fromCharCode(Math.floor(rnd() * 0x2100)) + value.slice(i + 1);
    }
    if (r < 0.7) return value.toUpperCase();
    if (r < 0.75) return value.repeat(40);
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || r < 0.25) return [...value, junk()];
    if (r < 0.4) return value.slice(1);
    if (r < 0.5) return [...value, value[0]];
    const i = Math.floor(rnd() * value.length);
    return value.map((v, j) => (j === i ? mutate(v, rnd, junk) : v));
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (r < 0.3) return { ...value, [`extra${Math.floor(rnd() * 9)}`]: junk() };
    if (r < 0.45 && entries.length > 0) {
      const drop = Math.floor(rnd() * entries.length);
      return Object.fromEntries(entries.filter((_, j) => j !== drop));
    }
    const i = Math.floor(rnd() * Math.max(entries.length, 1));
    return Object.fromEntries(entries.map(([k, v], j) => [k, j === i ? mutate(v, rnd, junk) : v]));
  }
  return r < 0.5 ? junk() : value;
}

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function seeded(start: number): () => number {
  let seed = start;
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SW2 = '0000000000000002';

/** Hooks a hostile host's agent (hv2, switch 2) sends about its own VM (vm2) and the VM of hv1 (vm1, switch 1). */
const AGENT_TEMPLATES: { hook: string; body: unknown }[] = [
  { hook: 'vm-start', body: { vm: 'vm1', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:01', ips: ['10.1.0.11'], network: 'n1', switch: SW2, port: 'vnet1' }] } },
  { hook: 'vm-start', body: { vm: 'vm2', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:02', ips: ['10.1.0.12'], network: 'n1', switch: '00:00:00:00:00:00:00:02', port: 'vnet2' }] } },
  { hook: 'vm-start', body: { vm: 'vm3', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:01', ips: ['10.1.0.13'], network: 'n1', switch: SW1, port: 'vnet3' }] } },
  { hook: 'vm-stop', body: { vm: 'vm1' } },
  { hook: 'vm-stop', body: { vm: 'vm2' } },
  { hook: 'migration-start', body: { vm: 'vm1', interfaces: [{ mac: '52:54:00:00:00:01', switch: SW2, port: 'vnet9' }] } },
  { hook: 'migration-start', body: { vm: 'vm2', interfaces: [{ mac: '52:54:00:00:00:02', switch: SW1, port: 'vnet9' }] } },
  { hook: 'migration-end', body: { vm: 'vm1' } },
  { hook: 'migration-abort', body: { vm: 'vm1' } },
];

describe('api fuzz', function () {
  this.timeout(180_000);

  it("a hostile host's agent sending 3,000 mutated hooks never moves, stops or programs another host's VM, and binds nothing off its own switch", async () => {
    const agents = [
      { name: 'hv1', token: 'agent-one', switches: [SW1] },
      { name: 'hv2', token: 'agent-two', switches: [SW2] },
    ];
    const { app, store } = await makeApi({ token: 'operator-token', agents });
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    expect((await app.inject({ method: 'PUT', url: '/v1/networks/n1', headers: as('operator-token'), payload: network1 })).statusCode).to.equal(200);
    const started = await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', headers: as('agent-one'), payload: { vm: 'vm1', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:01', ips: ['10.1.0.11'], network: 'n1', switch: SW1, port: 'vnet1' }] } });
    expect(started.statusCode).to.equal(200);
    /** What of hv1's VM carries or moves traffic: a held claim may come and go, nothing else. */
    const victim = (): string => {
      const { heldMigration, ...rest } = store.snapshot().vms.get('vm1')!;
      return JSON.stringify(rest);
    };
    const untouched = victim();
    const rnd = seeded(0xa9e27);
    const junkValues = fc.sample(fc.oneof(fc.anything(), fc.string(), fc.constantFrom(SW1, SW2, '0x1', '0x2', '00:00:00:00:00:00:00:01', 'vnet1', '52:54:00:00:00:01')), { numRuns: 1000, seed: 7 });
    const junk = () => junkValues[Math.floor(rnd() * junkValues.length)];
    const counts = new Map<number, number>();
    for (let n = 0; n < 3000; n++) {
      const t = AGENT_TEMPLATES[Math.floor(rnd() * AGENT_TEMPLATES.length)]!;
      let body: unknown = t.body;
      const rounds = Math.floor(rnd() * 3);
      for (let k = 0; k < rounds; k++) body = mutate(body, rnd, junk);
      const before = stateOf(store);
      const res = await app.inject({ method: 'POST', url: `/v1/hooks/${t.hook}`, headers: as('agent-two'), payload: JSON.stringify(body) ?? 'null' });
      counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
      const context = `${t.hook} ${JSON.stringify(body)?.slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
      expect(res.statusCode, context).to.be.below(500);
      if (res.statusCode !== 200) expect(stateOf(store), context).to.equal(before);
      expect(victim(), context).to.equal(untouched);
      for (const vm of store.snapshot().vms.values()) {
        if (vm.name === 'vm1') continue;
        const bound = [...vm.interfaces, ...(vm.migration?.destinations ?? [])].map((i) => i.switch);
        expect(bound.every((sw) => sw === SW2), `${context}: vm ${vm.name} bound at ${bound.join(', ')}`).to.equal(true);
      }
    }
    if (process.env.SPOTLIGHT_FUZZ_REPORT) console.log(Object.fromEntries(counts));
    // The mix reaches both sides: accepted hooks and refusals of each kind.
    expect(counts.get(200) ?? 0).to.be.above(200);
    expect(counts.get(403) ?? 0).to.be.above(200);
    expect(counts.get(400) ?? 0).to.be.above(100);
    await app.close();
  });

  it('answers 10,000 random and mutated bodies without a 5xx; rejected ones change nothing', async () => {
    const { app, store } = await makeApi();
    await app.inject({ method: 'PUT', url: '/v1/networks/n1', payload: network1 });
    for (const i of [1, 2]) {
      await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', payload: { vm: `vm${i}`, tenant: 't1', interfaces: [{ mac: `52:54:00:00:00:0${i}`, ips: [`10.1.0.${10 + i}`], network: 'n1', switch: SW1, port: `vnet${i}` }] } });
    }
    const junkValues = fc.sample(fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.ipV4(), fc.ipV6(), fc.mixedCase(fc.string({ unit: fc.constantFrom(...'0123456789abcdef:') }))), { numRuns: 2000, seed: 42 });
    const rnd = seeded(0x5eed);
    const junk = () => junkValues[Math.floor(rnd() * junkValues.length)];

    const counts = new Map<number, number>();
    const N = 10_000;
    for (let n = 0; n < N; n++) {
      const t = TEMPLATES[Math.floor(rnd() * TEMPLATES.length)]!;
      let payload: string | undefined;
      const kind = rnd();
      if (t.body === undefined) payload = kind < 0.2 ? JSON.stringify(junk()) ?? '' : undefined;
      else if (kind < 0.05) payload = JSON.stringify(t.body).slice(0, Math.floor(rnd() * 40));
      else if (kind < 0.1) payload = JSON.stringify(junk()) ?? 'undefined';
      else {
        let body: unknown = t.body;
        const rounds = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < rounds; k++) body = mutate(body, rnd, junk);
        payload = JSON.stringify(body) ?? 'null';
      }
      let url = t.url;
      if (rnd() < 0.05) url += `?wait=${String(junk()).slice(0, 10)}`;
      if (rnd() < 0.05) url = url.replace(/\/(n1|n2|r1)$/, `/${encodeURIComponent(String(junk()).slice(0, 200))}`);

      const before = stateOf(store);
      const res = await app.inject({ method: t.method, url, ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } }) });
      counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
      const context = `${t.method} ${url} ${payload?.slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
      expect(res.statusCode, context).to.be.below(500);
      if (res.statusCode !== 200) {
        expect(stateOf(store), context).to.equal(before);
        const body = res.json();
        expect(Object.keys(body), context).to.deep.equal(['error']);
        expect(body.error.code, context).to.be.a('string');
      } else {
        expect(res.json().generation).to.equal(store.generation);
      }
    }
    if (process.env.SPOTLIGHT_FUZZ_REPORT) console.log(Object.fromEntries(counts));
    // The mix reaches both sides: accepted writes and each kind of refusal.
    expect(counts.get(200) ?? 0).to.be.above(300);
    expect(counts.get(400) ?? 0).to.be.above(1000);
    expect((counts.get(404) ?? 0) + (counts.get(409) ?? 0)).to.be.above(50);
    await app.close();
  });
});
