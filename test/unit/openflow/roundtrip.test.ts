// Every message type of both versions: decode(encode(x)) deep-equals x, and
// ovs-ofctl (an independent decoder) reads our bytes without complaint.
import { expect } from 'chai';
import { decodeMessage, encodeMessage, tryEncodeMessage } from '../../../src/openflow/index.js';
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

  it('covers every message type in OF1.3 and every OF1.0 type except OF1.3-only ones', () => {
    const all13 = new Set(samples13.map((s) => s.msg.type));
    const all10 = new Set(samples10.map((s) => s.msg.type));
    const types = ['hello', 'error', 'echoRequest', 'echoReply', 'experimenter', 'featuresRequest', 'featuresReply', 'getConfigRequest', 'getConfigReply', 'setConfig', 'packetIn', 'flowRemoved', 'portStatus', 'packetOut', 'flowMod', 'groupMod', 'meterMod', 'multipartRequest', 'multipartReply', 'barrierRequest', 'barrierReply', 'roleRequest', 'roleReply', 'bundleControl', 'bundleAdd'];
    for (const t of types) expect(all13.has(t as never), t).to.equal(true);
    for (const t of types.filter((x) => !['groupMod', 'meterMod', 'bundleControl', 'bundleAdd'].includes(x))) expect(all10.has(t as never), t).to.equal(true);
  });
});
