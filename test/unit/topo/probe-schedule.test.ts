// The probe schedule against a plain map scanned in full (what it replaces),
// over random sets, deletes and timer runs.
import { expect } from 'chai';
import { ProbeSchedule } from '../../../src/topo/probe-schedule.js';

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('topo: probe schedule', () => {
  it('hands out exactly the ports a full scan finds due, earliest first, over random changes', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = rng(seed);
      const s = new ProbeSchedule();
      const plain = new Map<string, number>();
      let now = 0;
      for (let step = 0; step < 2000; step++) {
        const key = `p${Math.floor(random() * 50)}`;
        const r = random();
        if (r < 0.45) {
          const due = now + Math.floor(random() * 100);
          s.set(key, due);
          plain.set(key, due);
        } else if (r < 0.55) {
          s.delete(key);
          plain.delete(key);
        } else {
          now += Math.floor(random() * 30);
          const expected = [...plain].filter(([, due]) => due <= now).sort((a, b) => a[1] - b[1]);
          for (const [k] of expected) plain.delete(k);
          const got = s.takeDue(now);
          expect(got.map((e) => e.due)).to.deep.equal(expected.map(([, due]) => due));
          expect(new Set(got.map((e) => e.key))).to.deep.equal(new Set(expected.map(([k]) => k)));
        }
        expect(s.size).to.equal(plain.size);
        expect(s.get(key)).to.equal(plain.get(key));
      }
    }
  });

  it('costs the ports due, not the ports scheduled: 50,000 ports, one timer run takes only the due ones', () => {
    const s = new ProbeSchedule();
    for (let i = 0; i < 50_000; i++) s.set(`p${i}`, 1000 + i);
    expect(s.takeDue(999)).to.deep.equal([]);
    expect(s.takeDue(1002).map((e) => e.key)).to.deep.equal(['p0', 'p1', 'p2']);
    expect(s.size).to.equal(49_997);
  });
});
