// MessageBatch: messages encoded one after another into one buffer (what the
// channel writes to a switch). Its bytes must be exactly the messages'
// encodings in order (each checked against ovs-ofctl in roundtrip.test.ts),
// survive later appends whatever the slab does, and a failed append must
// leave nothing behind.
import { expect } from 'chai';
import { decodeMessage, encodeMessage, MessageBatch, type OfpMessage } from '../../../src/openflow/index.js';
import type { Writer } from '../../../src/openflow/writer.js';
import { samples10, samples13 } from './samples.js';

const all = [...samples10, ...samples13].map((s) => s.msg);
const flowMod = samples13.find((s) => s.msg.type === 'flowMod')!.msg;

/** The messages in `bytes`, framed by their length fields. */
function split(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const len = bytes.readUInt16BE(at + 2);
    expect(len).to.be.at.least(8);
    out.push(bytes.subarray(at, at + len));
    at += len;
  }
  return out;
}

describe('openflow: MessageBatch', () => {
  it('holds every sample message in order, each byte for byte its encodeMessage encoding', () => {
    const b = new MessageBatch();
    for (const m of all) {
      const r = b.append(m);
      expect(r.ok).to.equal(true);
    }
    const bytes = b.take();
    const expected = Buffer.concat(all.map((m) => Buffer.from(encodeMessage(m))));
    expect(bytes.equals(expected)).to.equal(true);
    expect(split(bytes).length).to.equal(all.length);
    expect(b.pending).to.equal(0);
    expect(b.take().length).to.equal(0);
  });

  it('keeps bytes taken earlier intact across new slabs and a message larger than a slab', () => {
    const b = new MessageBatch();
    const taken: Buffer[] = [];
    const copies: Buffer[] = [];
    const big: OfpMessage = { version: 4, xid: 5, type: 'packetOut', bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [{ type: 'output', port: 1 }], data: new Uint8Array(65_000).fill(0xab) };
    // Rounds of flow-mods (several slabs' worth) with a 65 kB packet-out in the middle of a pending batch.
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 700; i++) expect(b.append({ ...flowMod, xid: round * 1000 + i } as OfpMessage).ok).to.equal(true);
      if (round % 2 === 1) expect(b.append(big).ok).to.equal(true);
      for (let i = 0; i < 300; i++) expect(b.append({ ...flowMod, xid: round * 1000 + 700 + i } as OfpMessage).ok).to.equal(true);
      const t = b.take();
      taken.push(t);
      copies.push(Buffer.from(t));
    }
    for (let i = 0; i < taken.length; i++) expect(taken[i]!.equals(copies[i]!), `batch ${i}`).to.equal(true);
    // Every message decodes, in order, with its xid.
    const xids: number[] = [];
    for (const t of taken) for (const m of split(t)) {
      const r = decodeMessage(m);
      if (!r.ok) throw new Error(r.error.message);
      if (r.message.type === 'flowMod') xids.push(r.message.xid);
      else expect(r.message).to.deep.equal(big);
    }
    expect(xids).to.deep.equal(Array.from({ length: 6 }, (_, r) => Array.from({ length: 1000 }, (_, i) => r * 1000 + i)).flat());
  });

  it('a message that cannot be encoded leaves nothing, with its offset counted from its own start', () => {
    const b = new MessageBatch();
    b.append(flowMod);
    const before = b.pending;
    const r = b.append({ ...flowMod, priority: 70_000 } as OfpMessage);
    expect(r.ok).to.equal(false);
    if (!r.ok) {
      expect(r.error.code).to.equal('BAD_VALUE');
      expect(r.error.offset).to.be.within(8, 64);
    }
    expect(b.pending).to.equal(before);
    b.append(flowMod);
    const one = Buffer.from(encodeMessage(flowMod));
    expect(b.take().equals(Buffer.concat([one, one]))).to.equal(true);
  });

  it('clear() drops what is pending and nothing taken before', () => {
    const b = new MessageBatch();
    b.append(flowMod);
    const taken = b.take();
    const copy = Buffer.from(taken);
    b.append(flowMod);
    b.append(flowMod);
    b.clear();
    expect(b.pending).to.equal(0);
    expect(taken.equals(copy)).to.equal(true);
    b.append(samples13[0]!.msg);
    expect(b.take().equals(Buffer.from(encodeMessage(samples13[0]!.msg)))).to.equal(true);
  });

  it('holds 16 KiB while batches are small, and grows its buffers to 1 MiB once batches outgrow them', () => {
    const b = new MessageBatch();
    const w = (b as unknown as { w: Writer }).w;
    expect(w.buf.length).to.equal(16 * 1024);
    // Small batches, taken as they come (an idle switch): the buffers stay small.
    for (let i = 0; i < 2000; i++) {
      for (let j = 0; j < 5; j++) b.append(flowMod);
      b.take();
      expect(w.buf.length).to.equal(16 * 1024);
    }
    // A burst of 20,000 flow-mods in one batch (a busy switch): buffers grow.
    for (let i = 0; i < 20_000; i++) b.append(flowMod);
    const burst = b.take();
    expect(burst.length).to.equal(20_000 * Buffer.from(encodeMessage(flowMod)).length);
    expect(w.buf.length).to.be.at.least(1 << 20);
    // Later slabs are 1 MiB: the next one after this buffer fills.
    for (let i = 0; i < 20_000; i++) b.append(flowMod);
    b.take();
    expect(w.buf.length).to.be.at.least(1 << 20);
  });
});
