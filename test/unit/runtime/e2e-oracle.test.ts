// The end-to-end matrix is judged against allowed(); this pins allowed() to the
// contract's own words for the scenario, pair by pair.
import { expect } from 'chai';
import { allowed, HOSTS, MATRIX_HOSTS } from '../../support/e2e.js';

const h = (n: string) => HOSTS.find((x) => x.name === n)!;

describe('e2e oracle: what the contract allows in the ring scenario', () => {
  it('private: members reach each other and nothing else', () => {
    expect(allowed(h('a1'), h('a2'))).to.equal(true);
    expect(allowed(h('b1'), h('b2'))).to.equal(true);
    expect(allowed(h('a1'), h('b1'))).to.equal(false);
    expect(allowed(h('a1'), h('pa'))).to.equal(false);
  });

  it('public: the gateway reaches all; same tenant or a relation, otherwise not', () => {
    for (const m of ['pa', 'pb', 'pa2', 'pb2']) expect(allowed(h('gw'), h(m)), m).to.equal(true);
    expect(allowed(h('pa'), h('pa2'))).to.equal(true);
    expect(allowed(h('pb'), h('pb2'))).to.equal(true);
    expect(allowed(h('pa'), h('pb'))).to.equal(true);
    expect(allowed(h('pa'), h('pb2'))).to.equal(false);
    expect(allowed(h('pa2'), h('pb'))).to.equal(false);
  });

  it('an unregistered host reaches nobody, and reachability is symmetric', () => {
    for (const x of MATRIX_HOSTS) {
      expect(allowed(h('u1'), x)).to.equal(false);
      for (const y of MATRIX_HOSTS) expect(allowed(x, y), `${x.name}/${y.name}`).to.equal(allowed(y, x));
    }
  });
});
