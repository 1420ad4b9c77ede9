// Network segments: every network has a number 1..MAX_SEGMENT of its own,
// the lowest one free when it is created (a pure function of the segments in
// use, so every controller sharing a store picks the same one).
//
// Finding the lowest free number must not cost a scan of up to a million
// networks on every create: the snapshot's networks map owns an index
// (network-index.ts) holding the segments in use as a bitmap in chunks of
// 1,024 segments with a count per chunk; an update copies one chunk.

export const MIN_SEGMENT = 1;

/**
 * Segments run to a million on every fabric: on links a network rides in a
 * 20-bit MPLS label (OF1.3 multicast) or a reserved 24-bit MAC (broadcast), never in a
 * VLAN id (flows/PIPELINE.md, "Fabric"). The compiler reads this bound.
 */
export const MAX_SEGMENT = 1_000_000;

const CHUNK_BITS = 1024;
const WORDS = CHUNK_BITS / 32;
const CHUNKS = Math.ceil((MAX_SEGMENT + 1) / CHUNK_BITS);

interface Chunk {
  readonly bits: Uint32Array;
  readonly used: number;
}

/** Which segments a networks map holds. Immutable: updates return a copy sharing all chunks but one. */
export class SegmentIndex {
  private constructor(private readonly chunks: readonly (Chunk | undefined)[]) {}

  static of(segments: Iterable<number>): SegmentIndex {
    const chunks: (Chunk | undefined)[] = new Array<Chunk | undefined>(CHUNKS).fill(undefined);
    const take = (seg: number): void => {
      const c = Math.floor(seg / CHUNK_BITS);
      const chunk = chunks[c] ?? { bits: new Uint32Array(WORDS), used: 0 };
      const bit = seg % CHUNK_BITS;
      const w = bit >>> 5;
      const m = 1 << (bit & 31);
      if ((chunk.bits[w]! & m) === 0) {
        chunk.bits[w]! |= m;
        chunks[c] = { bits: chunk.bits, used: chunk.used + 1 };
      } else chunks[c] = chunk;
    };
    // Segment 0 is no network's: held for ever, so the search never returns it.
    take(0);
    for (const s of segments) if (Number.isInteger(s) && s >= MIN_SEGMENT && s <= MAX_SEGMENT) take(s);
    return new SegmentIndex(chunks);
  }

  has(seg: number): boolean {
    const chunk = this.chunks[Math.floor(seg / CHUNK_BITS)];
    const bit = seg % CHUNK_BITS;
    return chunk !== undefined && (chunk.bits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  /** The lowest segment no network holds, or undefined when all are taken. */
  lowestFree(): number | undefined {
    for (let c = 0; c < CHUNKS; c++) {
      const chunk = this.chunks[c];
      if (chunk === undefined) return c * CHUNK_BITS;
      if (chunk.used === CHUNK_BITS) continue;
      for (let w = 0; w < WORDS; w++) {
        const word = chunk.bits[w]!;
        if (word === 0xffffffff) continue;
        // The lowest clear bit of the word: the lowest set bit of its complement.
        const inv = ~word;
        const bit = 31 - Math.clz32(inv & -inv);
        const seg = c * CHUNK_BITS + w * 32 + bit;
        return seg <= MAX_SEGMENT ? seg : undefined;
      }
    }
    return undefined;
  }

  with(seg: number): SegmentIndex {
    return this.set(seg, true);
  }

  without(seg: number): SegmentIndex {
    return this.set(seg, false);
  }

  private set(seg: number, on: boolean): SegmentIndex {
    if (seg < MIN_SEGMENT || seg > MAX_SEGMENT || this.has(seg) === on) return this;
    const c = Math.floor(seg / CHUNK_BITS);
    const old = this.chunks[c];
    const bits = old ? old.bits.slice() : new Uint32Array(WORDS);
    const bit = seg % CHUNK_BITS;
    if (on) bits[bit >>> 5]! |= 1 << (bit & 31);
    else bits[bit >>> 5]! &= ~(1 << (bit & 31));
    const chunks = this.chunks.slice();
    chunks[c] = { bits, used: (old?.used ?? 0) + (on ? 1 : -1) };
    return new SegmentIndex(chunks);
  }
}
