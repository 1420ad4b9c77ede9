// A network's diagnostics after any sequence of owners coming, changing and
// going (MACs drawn from a small pool, so claims collide) are those of the
// same owners set once on a fresh state: what diagnostics() keeps between
// calls (owners with problems, contested MACs) follows every change.
import { expect } from 'chai';
import { cookieFor } from '../../../src/compiler/cookie.js';
import type { Endpoint } from '../../../src/compiler/endpoints.js';
import { NetworkState } from '../../../src/compiler/network-state.js';
import type { Diagnostic } from '../../../src/compiler/types.js';
import type { Network } from '../../../src/model/types.js';

const NETWORK: Network = { name: 'n', tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: 5 };
const MACS = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03'];

/** A small deterministic generator (xorshift), so a failure replays. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function endpoint(owner: string, mac: string): Endpoint {
  const id = `${owner}/${mac}`;
  return owner === 'gw'
    ? { kind: 'gateway', id, cookie: cookieFor('gateway', id), tenant: 't', mac, ips: [], bound: [] }
    : { kind: 'iface', id, cookie: cookieFor('iface', id), vm: owner, tenant: 't', mac, ips: [], bound: [] };
}

type Owned = { eps: Endpoint[]; diagnostics: Diagnostic[] };

function set(s: NetworkState, owner: string, o: Owned): void {
  if (owner === 'gw') s.setGateways(o.eps, o.diagnostics);
  else s.setVm(owner, o.eps, o.diagnostics);
}

describe('compiler: a network state diagnoses what its owners are now', () => {
  for (const seed of [1, 7, 42, 1234, 99_991]) {
    it(`after 300 random owner changes (seed ${seed}) it says what a fresh state with the same owners says`, () => {
      const next = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
      const owners = ['gw', 'a', 'b', 'c', 'd', 'e'];
      const now = new Map<string, Owned>();
      const state = new NetworkState(NETWORK, () => undefined);
      for (let step = 0; step < 300; step++) {
        const owner = pick(owners);
        const macs = [...new Set(Array.from({ length: Math.floor(next() * 3) }, () => pick(MACS)))];
        const diagnostics: Diagnostic[] = next() < 0.3 ? [{ code: 'PORT_NOT_PRESENT', message: `port of ${owner} absent at step ${step}`, network: 'n' }] : [];
        const o = { eps: macs.map((m) => endpoint(owner, m)), diagnostics };
        set(state, owner, o);
        now.set(owner, o);
        const fresh = new NetworkState(NETWORK, () => undefined);
        for (const [name, f] of now) set(fresh, name, f);
        const said = state.diagnostics();
        expect(said, `step ${step}`).to.deep.equal(fresh.diagnostics());
        // Independently of the code under test: one duplicate per claim of a MAC beyond the first, and every owner's own problems.
        const claims = new Map<string, number>();
        for (const f of now.values()) for (const e of f.eps) claims.set(e.mac, (claims.get(e.mac) ?? 0) + 1);
        const duplicates = [...claims.values()].reduce((n, c) => n + c - 1, 0);
        expect(said.filter((d) => d.code === 'DUPLICATE_MAC'), `duplicates at step ${step}`).to.have.length(duplicates);
        expect(said.filter((d) => d.code === 'PORT_NOT_PRESENT').map((d) => d.message).sort()).to.deep.equal([...now.values()].flatMap((f) => f.diagnostics.map((d) => d.message)).sort());
      }
    });
  }
});
