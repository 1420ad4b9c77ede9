// Feeds at least 1,000,000 random and mutated messages to decodeMessage and
// FrameReader in every run: no exception escapes, no decode runs long, and
// whatever decodes either re-encodes or fails with a typed CodecException.
// Seed: SPOTLIGHT_FUZZ_SEED, else random (printed, to replay a failure).
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { CodecException, decodeMessage, encodeMessage, FrameReader } from '../../../src/openflow/index.js';
import { hex, loadFixtures } from './helpers.js';
import { samples10, samples13 } from './samples.js';

const TOTAL = Number(process.env.SPOTLIGHT_FUZZ_COUNT ?? 1_000_000);
/**
 * A single decode slower than this is a bug. Decodes take microseconds; the
 * margin absorbs the scheduler on a shared 2-core machine (seen: ~130 ms).
 */
const SLOW_MS = 1000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('openflow fuzz', function () {
  this.timeout(180_000);

  it(`survives ${TOTAL} random and mutated messages`, () => {
    const seed = Number(process.env.SPOTLIGHT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`      fuzz seed ${seed} (SPOTLIGHT_FUZZ_SEED=${seed} to replay)`);
    const rnd = mulberry32(seed);
    const int = (n: number): number => Math.floor(rnd() * n);

    const seeds: Uint8Array[] = [
      ...loadFixtures('captured.json').map((f) => hex(f.hex)),
      ...loadFixtures('pyof.json').map((f) => hex(f.hex)),
      ...[...samples10, ...samples13].map((s) => new Uint8Array(encodeMessage(s.msg))),
    ];
    const setLen = (b: Uint8Array): void => {
      if (b.length >= 4) {
        b[2] = (b.length >> 8) & 0xff;
        b[3] = b.length & 0xff;
      }
    };

    function mutate(): Uint8Array {
      const kind = int(8);
      if (kind === 0) {
        // Random body behind a plausible header.
        const b = new Uint8Array(8 + int(200));
        for (let i = 0; i < b.length; i++) b[i] = int(256);
        b[0] = rnd() < 0.5 ? 1 : 4;
        b[1] = int(32);
        setLen(b);
        return b;
      }
      const src = seeds[int(seeds.length)]!;
      let b = src.slice();
      switch (kind) {
        case 1: // bit flips
          for (let n = 1 + int(4); n > 0; n--) b[int(b.length)]! ^= 1 << int(8);
          break;
        case 2: // truncation, header length kept or fixed
          b = b.slice(0, int(b.length + 1));
          if (rnd() < 0.5) setLen(b);
          break;
        case 3: {
          // extension with random bytes
          const ext = new Uint8Array(b.length + 1 + int(64));
          ext.set(b);
          for (let i = b.length; i < ext.length; i++) ext[i] = int(256);
          b = ext;
          if (rnd() < 0.7) setLen(b);
          break;
        }
        case 4: // header length rewrite
          b[2] = int(256);
          b[3] = int(256);
          break;
        case 5: {
          // nested length rewrite: any aligned u16 set to a small or random value
          const at = 8 + 2 * int(Math.max(1, (b.length - 9) >> 1));
          const v = [0, 1, 2, 3, 4, 7, 8, 12, 16, 0xffff, int(0x10000)][int(11)]!;
          if (at + 1 < b.length) {
            b[at] = v >> 8;
            b[at + 1] = v & 0xff;
          }
          break;
        }
        case 6: {
          // splice a random piece of another seed in
          const o = seeds[int(seeds.length)]!;
          const from = int(o.length);
          const piece = o.subarray(from, from + int(64));
          const at = 8 + int(Math.max(1, b.length - 8));
          const out = new Uint8Array(Math.min(65535, at + piece.length + Math.max(0, b.length - at - int(32))));
          out.set(b.subarray(0, Math.min(at, out.length)));
          if (at < out.length) out.set(piece.subarray(0, out.length - at), at);
          const restFrom = b.length - (out.length - at - piece.length);
          if (out.length > at + piece.length) out.set(b.subarray(restFrom, restFrom + out.length - at - piece.length), at + piece.length);
          b = out;
          if (rnd() < 0.8) setLen(b);
          break;
        }
        default: {
          // several byte overwrites, header kept
          for (let n = 1 + int(8); n > 0; n--) b[8 + int(Math.max(1, b.length - 8))] = int(256);
          b = b.slice(0, Math.max(8, src.length));
          break;
        }
      }
      return b;
    }

    let ok = 0;
    let failed = 0;
    let slowest = 0;
    let roundTrips = 0;
    const codes = new Map<string, number>();
    let stream: Uint8Array[] = [];
    let streamLen = 0;
    let reader = new FrameReader();
    const flush = (): void => {
      const all = Buffer.concat(stream);
      for (let pos = 0; pos < all.length; ) {
        const n = 1 + int(2048);
        const p = reader.push(all.subarray(pos, pos + n));
        pos += n;
        for (const f of p.frames) expect((f[2]! << 8) | f[3]!).to.equal(f.length);
        if (p.error) {
          expect(p.error.code).to.equal('BAD_LENGTH');
          reader = new FrameReader();
        }
      }
      stream = [];
      streamLen = 0;
    };

    const t0 = performance.now();
    for (let i = 0; i < TOTAL; i++) {
      const b = mutate();
      const s = performance.now();
      const r = decodeMessage(b);
      const took = performance.now() - s;
      if (took > slowest) slowest = took;
      if (r.ok) {
        ok++;
        if ((i & 15) === 0) {
          try {
            const again = decodeMessage(encodeMessage(r.message));
            if (!again.ok) throw new Error(`re-encoded message does not decode: ${again.error.message}`);
            expect(again.message).to.deep.equal(r.message);
            roundTrips++;
          } catch (e) {
            if (!(e instanceof CodecException)) {
              throw new Error(`seed ${seed} message ${i} ${Buffer.from(b).toString('hex')}: ${String(e)}`);
            }
          }
        }
      } else {
        failed++;
        codes.set(r.error.code, (codes.get(r.error.code) ?? 0) + 1);
        if (r.error.message.includes('internal')) throw new Error(`seed ${seed} message ${i} ${Buffer.from(b).toString('hex')}: ${r.error.message}`);
      }
      stream.push(b);
      streamLen += b.length;
      if (streamLen > 64 * 1024) flush();
    }
    flush();
    const secs = (performance.now() - t0) / 1000;
    console.log(`      ${TOTAL} messages in ${secs.toFixed(1)} s: ${ok} decoded, ${failed} rejected, ${roundTrips} re-encoded; slowest decode ${slowest.toFixed(2)} ms`);
    console.log(`      error codes: ${[...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
    expect(slowest).to.be.below(SLOW_MS);
    expect(ok).to.be.greaterThan(TOTAL / 100);
    expect(failed).to.be.greaterThan(TOTAL / 10);
  });
});
