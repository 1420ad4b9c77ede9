import { expect } from 'chai';
import { Keepalive } from '../../../src/channel/keepalive.js';
import { FakeClock } from '../../support/fakeclock.js';

describe('channel: keepalive (fake time)', () => {
  function setup(intervalMs = 5000, maxMisses = 3) {
    const clock = new FakeClock();
    const state = { echoes: 0, dead: 0 };
    const k = new Keepalive(
      clock,
      { intervalMs, maxMisses },
      () => state.echoes++,
      () => state.dead++,
    );
    k.start();
    return { clock, k, state };
  }

  it('sends no echo while the switch keeps talking', () => {
    const { clock, k, state } = setup();
    for (let i = 0; i < 20; i++) {
      clock.advance(2500);
      k.touch();
    }
    expect(state).to.deep.equal({ echoes: 0, dead: 0 });
  });

  it('sends an echo after an idle interval and stays up when answered', () => {
    const { clock, k, state } = setup();
    clock.advance(5000);
    expect(state.echoes).to.equal(1);
    k.touch(); // the reply
    clock.advance(5000);
    expect(state.echoes).to.equal(2);
    k.touch();
    // An idle switch that answers every echo stays up indefinitely.
    for (let i = 0; i < 20; i++) {
      clock.advance(5000);
      k.touch();
    }
    expect(state).to.deep.equal({ echoes: 22, dead: 0 });
  });

  it('declares the switch dead after N unanswered intervals, not before', () => {
    const { clock, state } = setup(5000, 3);
    clock.advance(5000); // first echo
    expect(state).to.deep.equal({ echoes: 1, dead: 0 });
    clock.advance(5000 * 2); // misses 1 and 2, an echo each
    expect(state).to.deep.equal({ echoes: 3, dead: 0 });
    clock.advance(4999);
    expect(state.dead).to.equal(0);
    clock.advance(1); // miss 3
    expect(state.dead).to.equal(1);
    clock.advance(60_000);
    expect(state).to.deep.equal({ echoes: 3, dead: 1 });
    expect(clock.pending).to.equal(0);
  });

  it('resets the miss count on any input', () => {
    const { clock, k, state } = setup(1000, 2);
    clock.advance(2000); // echo, miss 1
    k.touch();
    clock.advance(2000); // echo, miss 1 again
    k.touch();
    clock.advance(2000);
    expect(state.dead).to.equal(0);
  });

  it('stops when asked', () => {
    const { clock, k, state } = setup();
    k.stop();
    clock.advance(100_000);
    expect(state).to.deep.equal({ echoes: 0, dead: 0 });
  });
});
