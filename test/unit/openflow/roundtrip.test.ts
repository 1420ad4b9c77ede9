// Every message type of both versions: decode(encode(x)) deep-equals x, and
// ovs-ofctl (an independent decoder) reads our bytes without complaint.
import { expect } from 'chai';
import { decodeMessage, encodeMessage, tryEncodeMessage, type OfpMessage } from '../../../src/openflow/index.js';
import { haveOvsOfctl, ofpPrintChecked } from './helpers.js';
import { samples10, samples13 } from './samples.js';

describe('openflow round trip', () => {
  for (const [label, list] of [['OF1.0', samples10], ['OF1.3', samples13]] as const) {
    describe(label, () => {
      for (const s of list) {
        it(`${s.name}: decode(encode(x)) equals x`, () => {
          const bytes = encodeMessage(s.msg);
          expect(bytes.readUInt16BE(2)).to.equal(bytes.length);
          const r = decodeMessage(bytes);
          if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message} @${r.error.offset}`);
          expect(r.message).to.deep.equal(s.msg);
          const t = tryEncodeMessage(s.msg);
          expect(t.ok && Buffer.from(t.bytes).equals(bytes)).to.equal(true);
        });
        if (s.print) {
          it(`${s.name}: ovs-ofctl ofp-print reads it`, function () {
            if (!haveOvsOfctl()) this.skip();
            const { text, warnings } = ofpPrintChecked(encodeMessage(s.msg));
            expect(warnings).to.equal('');
            expect(text).to.not.match(/decode error|\*\*\*/);
            for (const p of s.print!) expect(text).to.include(p);
          });
        }
      }
    });
  }

  it('earlier encodings survive later ones (results are independent slab views)', () => {
    const all = [...samples10, ...samples13];
    const first = all.map((s) => Buffer.from(encodeMessage(s.msg)));
    const views = [];
    for (let round = 0; round < 20; round++) for (const s of all) views.push(encodeMessage(s.msg));
    for (let i = 0; i < views.length; i++) expect(views[i]!.equals(first[i % all.length]!)).to.equal(true);
  });

  it('a failed encode leaves no partial bytes and reports an offset inside the message', () => {
    const before = encodeMessage(samples13[0]!.msg);
    const fm = samples13.find((s) => s.msg.type === 'flowMod')!.msg;
    const r = tryEncodeMessage({ ...fm, priority: -1 } as OfpMessage);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.error.offset).to.be.within(8, 64);
    const after = encodeMessage(samples13[0]!.msg);
    expect(after.equals(before)).to.equal(true);
    expect(after.byteOffset - before.byteOffset === before.length || after.byteOffset === 0).to.equal(true);
  });

  it('covers every message type in OF1.3 and every OF1.0 type except OF1.3-only ones', () => {
    const all13 = new Set(samples13.map((s) => s.msg.type));
    const all10 = new Set(samples10.map((s) => s.msg.type));
    const types = ['hello', 'error', 'echoRequest', 'echoReply', 'experimenter', 'featuresRequest', 'featuresReply', 'getConfigRequest', 'getConfigReply', 'setConfig', 'packetIn', 'flowRemoved', 'portStatus', 'packetOut', 'flowMod', 'groupMod', 'meterMod', 'multipartRequest', 'multipartReply', 'barrierRequest', 'barrierReply', 'roleRequest', 'roleReply', 'bundleControl', 'bundleAdd'];
    for (const t of types) expect(all13.has(t as never), t).to.equal(true);
    for (const t of types.filter((x) => !['groupMod', 'meterMod', 'bundleControl', 'bundleAdd'].includes(x))) expect(all10.has(t as never), t).to.equal(true);
  });
});
