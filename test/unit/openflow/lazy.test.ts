// decodeLazy: framing checked at once, header fields read from the bytes, the
// body decoded on demand to exactly what decodeMessage gives.
import { expect } from 'chai';
import { decodeLazy, decodeMessage, encodeMessage } from '../../../src/openflow/index.js';
import { hex, loadFixtures } from './helpers.js';
import { samples10, samples13 } from './samples.js';

describe('openflow lazy decode', () => {
  const captured = loadFixtures('captured.json').map((f) => hex(f.hex));
  const encoded = [...samples13, ...samples10].map((s) => new Uint8Array(encodeMessage(s.msg)));

  it('reads the header fields as Node reads them from the bytes', () => {
    for (const bytes of [...captured, ...encoded]) {
      const r = decodeLazy(bytes);
      if (!r.ok) throw new Error(r.error.message);
      const b = Buffer.from(bytes);
      expect(r.message.version).to.equal(b.readUInt8(0));
      expect(r.message.type).to.equal(b.readUInt8(1));
      expect(r.message.length).to.equal(b.readUInt16BE(2));
      expect(r.message.xid).to.equal(b.readUInt32BE(4));
      expect(r.message.bytes).to.equal(bytes);
    }
  });

  it('decodes the body to what decodeMessage gives, once', () => {
    for (const bytes of [...captured, ...encoded]) {
      const r = decodeLazy(bytes);
      if (!r.ok) throw new Error(r.error.message);
      const full = r.message.decode();
      expect(full).to.deep.equal(decodeMessage(bytes));
      expect(r.message.decode()).to.equal(full);
    }
  });

  it('fails on framing at once with decodeMessage\'s error, and on the body only when asked', () => {
    const frames = [new Uint8Array(3), Uint8Array.from([4, 20, 0, 7, 0, 0, 0, 1]), Uint8Array.from([4, 20, 0, 16, 0, 0, 0, 1]), Uint8Array.from([4, 20, 0, 8, 0, 0, 0, 1, 0])];
    for (const bytes of frames) {
      const r = decodeLazy(bytes);
      const d = decodeMessage(bytes);
      expect(r.ok).to.equal(false);
      expect(d.ok).to.equal(false);
      if (!r.ok && !d.ok) expect(r.error).to.deep.equal(d.error);
    }
    // A barrier request with a body: sound framing, bad body.
    const body = Uint8Array.from([4, 20, 0, 12, 0, 0, 0, 9, 1, 2, 3, 4]);
    const r = decodeLazy(body);
    if (!r.ok) throw new Error('framing should pass');
    const d = r.message.decode();
    expect(d.ok).to.equal(false);
    if (!d.ok) expect(d.error.code).to.equal('TRAILING_BYTES');
  });
});
