import { expect } from 'chai';
import { emptySnapshot, type OpResult } from '../../../src/model/index.js';
import type { ModelSnapshot } from '../../../src/model/types.js';

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
