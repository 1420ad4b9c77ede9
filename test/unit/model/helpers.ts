import { expect } from 'chai';
import { emptySnapshot, type OpResult } from '../../../src/model/index.js';
import type { ModelSnapshot, Network } from '../../../src/model/types.js';
import { MAX_SEGMENT } from '../../../src/model/segments.js';

export const SW1 = '0000000000000001';
export const SW2 = '0000000000000002';

export function ok(r: OpResult): ModelSnapshot {
  if (!r.ok) expect.fail(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.snapshot;
}

export function err(r: OpResult, code: string, status: number, field?: string): void {
  if (r.ok) expect.fail(`expected ${code}, got success`);
  expect(r.error.code).to.equal(code);
  expect(r.error.status).to.equal(status);
  if (field !== undefined) expect(r.error.field).to.equal(field);
}

export { emptySnapshot };

/**
 * A networks map holding every segment 1..MAX_SEGMENT (network `n<segment>`),
 * made on the fly rather than stored, so a test can stand at the limit
 * without a million records in memory.
 */
export function fullNetworks(): ReadonlyMap<string, Network> {
  const net = (seg: number): Network => ({ name: `n${seg}`, tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: seg });
  const segOf = (name: string): number | undefined => {
    const seg = /^n\d+$/.test(name) ? Number(name.slice(1)) : NaN;
    return seg >= 1 && seg <= MAX_SEGMENT ? seg : undefined;
  };
  function* values(): MapIterator<Network> {
    for (let seg = 1; seg <= MAX_SEGMENT; seg++) yield net(seg);
  }
  function* entries(): MapIterator<[string, Network]> {
    for (const n of values()) yield [n.name, n];
  }
  const map = {
    size: MAX_SEGMENT,
    get: (k: string) => (segOf(k) === undefined ? undefined : net(segOf(k)!)),
    has: (k: string) => segOf(k) !== undefined,
    values,
    entries,
    keys: function* () {
      for (const n of values()) yield n.name;
    },
    forEach: (fn: (v: Network, k: string, m: ReadonlyMap<string, Network>) => void) => {
      for (const n of values()) fn(n, n.name, map as unknown as ReadonlyMap<string, Network>);
    },
    [Symbol.iterator]: entries,
  };
  return map as unknown as ReadonlyMap<string, Network>;
}
