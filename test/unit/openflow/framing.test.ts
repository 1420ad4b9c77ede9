// FrameReader reassembles messages split anywhere in a TCP stream; peekHeader
// and the datapath-id helpers.
import { expect } from 'chai';
import { decodeMessage, encodeMessage, dpidFromText, formatDpid, FrameReader, peekHeader } from '../../../src/openflow/index.js';
import { hex, loadFixtures } from './helpers.js';

const stream = Buffer.concat(loadFixtures('captured.json').slice(0, 40).map((f) => Buffer.from(hex(f.hex))));
const expected = loadFixtures('captured.json').slice(0, 40).map((f) => f.hex);

function collect(r: FrameReader, chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  for (const c of chunks) {
    const p = r.push(c);
    expect(p.error).to.equal(undefined);
    for (const f of p.frames) out.push(Buffer.from(f).toString('hex'));
  }
  return out;
}

describe('openflow framing', () => {
  it('splits a stream delivered whole', () => {
    expect(collect(new FrameReader(), [stream])).to.deep.equal(expected);
  });

  it('copes with a split at every offset', () => {
    for (let at = 0; at <= stream.length; at += 1) {
      const got = collect(new FrameReader(), [stream.subarray(0, at), stream.subarray(at)]);
      expect(got.length, `split at ${at}`).to.equal(expected.length);
      if (at % 97 === 0) expect(got).to.deep.equal(expected);
    }
  });

  it('copes with one byte at a time and with random chunking', () => {
    const r = new FrameReader();
    const ones: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) ones.push(stream.subarray(i, i + 1));
    expect(collect(r, ones)).to.deep.equal(expected);
    expect(r.buffered).to.equal(0);
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 50; round++) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = 1 + Math.floor(rand() * 300);
        chunks.push(stream.subarray(i, i + n));
        i += n;
      }
      expect(collect(new FrameReader(), chunks)).to.deep.equal(expected);
    }
  });

  it('keeps a partial message until the rest arrives', () => {
    const r = new FrameReader();
    const m = encodeMessage({ version: 4, xid: 9, type: 'echoRequest', data: new Uint8Array(100) });
    expect(r.push(m.subarray(0, 50)).frames).to.have.length(0);
    expect(r.buffered).to.equal(50);
    const p = r.push(m.subarray(50));
    expect(p.frames).to.have.length(1);
    const d = decodeMessage(p.frames[0]!);
    expect(d.ok && d.message.type).to.equal('echoRequest');
  });

  it('frames assembled across chunks do not alias its buffer', () => {
    const r = new FrameReader();
    const a = encodeMessage({ version: 4, xid: 1, type: 'echoRequest', data: new Uint8Array([1, 1, 1]) });
    r.push(a.subarray(0, 5));
    const [f] = r.push(a.subarray(5)).frames;
    r.push(encodeMessage({ version: 4, xid: 2, type: 'echoRequest', data: new Uint8Array([2, 2, 2]) }).subarray(0, 9));
    expect(Buffer.from(f!).equals(a)).to.equal(true);
  });

  it('a length below 8 is a fatal stream error, now and after', () => {
    const r = new FrameReader();
    const good = encodeMessage({ version: 4, xid: 1, type: 'barrierRequest' });
    const bad = Buffer.from('0414000400000001', 'hex');
    const p = r.push(Buffer.concat([good, bad]));
    expect(p.frames).to.have.length(1);
    expect(p.error?.code).to.equal('BAD_LENGTH');
    expect(r.push(good).error?.code).to.equal('BAD_LENGTH');
  });

  it('peekHeader reads the header, or nothing from fewer than 8 bytes', () => {
    expect(peekHeader(Buffer.from('040e0038deadbeef', 'hex'))).to.deep.equal({ version: 4, type: 14, length: 0x38, xid: 0xdeadbeef });
    expect(peekHeader(new Uint8Array(7))).to.equal(undefined);
  });
});

describe('datapath ids', () => {
  it('formats 16 lower-case hex digits', () => {
    expect(formatDpid(1n)).to.equal('0000000000000001');
    expect(formatDpid(0xfedcba9876543210n)).to.equal('fedcba9876543210');
  });
  it('parses both forms and refuses others', () => {
    expect(dpidFromText('0000000000000001')).to.equal('0000000000000001');
    expect(dpidFromText('00:00:00:00:00:00:00:01')).to.equal('0000000000000001');
    expect(dpidFromText('FEDCBA9876543210')).to.equal('fedcba9876543210');
    for (const bad of ['', '1', '00000000000000001', '00:00:00:00:00:00:00', 'zz00000000000000', '00-00-00-00-00-00-00-01']) expect(dpidFromText(bad), bad).to.equal(undefined);
  });
});
