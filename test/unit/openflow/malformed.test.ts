// Each class of malformed input becomes a typed error value with its own code
// and an offset; nothing throws. Messages are built by hand here (msg()),
// independent of the encoder under test.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodecException, decodeMessage, encodeMessage, tryEncodeMessage, type CodecErrorCode, type OfpMessage } from '../../../src/openflow/index.js';

/** Header + body, with a correct length unless `length` overrides it. */
function msg(version: number, type: number, body: ArrayLike<number> = [], length?: number, xid = 0x01020304): Uint8Array {
  const b = Buffer.alloc(8 + body.length);
  b[0] = version;
  b[1] = type;
  b.writeUInt16BE(length ?? b.length, 2);
  b.writeUInt32BE(xid, 4);
  b.set(Array.from(body), 8);
  return new Uint8Array(b);
}
const h = (s: string): number[] => Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const u16 = (v: number): number[] => [v >> 8, v & 0xff];

function expectError(bytes: Uint8Array, code: CodecErrorCode, offset?: number): void {
  const r = decodeMessage(bytes);
  if (r.ok) throw new Error(`decoded as ${r.message.type}, expected ${code}`);
  expect(r.error.code, r.error.message).to.equal(code);
  expect(r.error.message).to.be.a('string').and.not.match(/internal/);
  if (offset !== undefined) expect(r.error.offset, r.error.message).to.equal(offset);
}

/** OF1.3 flow-mod body around a match and instructions given as hex. */
function flowMod13(matchOxms: string, instructions = ''): Uint8Array {
  const oxm = h(matchOxms);
  const mlen = 4 + oxm.length;
  const pad = (8 - (mlen % 8)) % 8;
  const fixed = h('0000000000000000 0000000000000000 00 00 0000 0000 0000 ffffffff ffffffff ffffffff 0000 0000');
  return msg(4, 14, [...fixed, ...u16(1), ...u16(mlen), ...oxm, ...new Array<number>(pad).fill(0), ...h(instructions)]);
}
/** OF1.3 packet-out with raw action bytes. */
function packetOut13(actions: number[], actionsLen = actions.length): Uint8Array {
  return msg(4, 13, [...h('ffffffff fffffffd'), ...u16(actionsLen), 0, 0, 0, 0, 0, 0, ...actions]);
}

/** Every code, checked complete by the compiler. */
const ALL_CODES: Record<CodecErrorCode, true> = {
  TRUNCATED_HEADER: true, BAD_LENGTH: true, TRAILING_BYTES: true, BAD_VERSION: true, BAD_TYPE: true, TRUNCATED_BODY: true,
  BAD_ELEMENT_LENGTH: true, BAD_OXM: true, BAD_OXM_MASK: true, BAD_OXM_PREREQ: true, DUPLICATE_FIELD: true,
  TOO_MANY_ELEMENTS: true, BAD_VALUE: true, UNSUPPORTED: true,
};

describe('openflow malformed input', () => {
  it('documents every error code in src/openflow/README.md', () => {
    const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../src/openflow/README.md'), 'utf8');
    for (const code of Object.keys(ALL_CODES)) expect(readme, code).to.match(new RegExp(`\\| \`${code}\` \\|`));
  });

  describe('framing of one message', () => {
    it('shorter than a header: TRUNCATED_HEADER', () => {
      for (let n = 0; n < 8; n++) expectError(new Uint8Array(n).fill(4), 'TRUNCATED_HEADER', 0);
    });
    it('length field below 8: BAD_LENGTH', () => {
      for (const len of [0, 1, 7]) expectError(msg(4, 20, [], len), 'BAD_LENGTH', 2);
    });
    it('length field beyond the bytes given: BAD_LENGTH', () => {
      expectError(msg(4, 20, [], 9), 'BAD_LENGTH', 2);
      expectError(msg(4, 2, [1, 2, 3], 0xffff), 'BAD_LENGTH', 2);
    });
    it('bytes beyond the length field: TRAILING_BYTES', () => {
      expectError(msg(4, 20, [0, 0, 0, 0], 8), 'TRAILING_BYTES', 8);
    });
    it('a fixed-size message with extra body: TRAILING_BYTES', () => {
      expectError(msg(4, 20, [0, 0, 0, 0]), 'TRAILING_BYTES', 8);
      expectError(msg(1, 5, [0]), 'TRAILING_BYTES', 8);
      expectError(msg(4, 9, [0, 0, 0, 128, 0]), 'TRAILING_BYTES', 12);
    });
    it('a body cut short: TRUNCATED_BODY', () => {
      expectError(msg(4, 9, [0, 0, 0]), 'TRUNCATED_BODY');
      expectError(msg(4, 14, new Array<number>(40).fill(0)), 'TRUNCATED_BODY');
      expectError(msg(1, 14, new Array<number>(50).fill(0)), 'TRUNCATED_BODY');
      expectError(msg(1, 6, new Array<number>(20).fill(0)), 'TRUNCATED_BODY');
    });
    it('unknown version: BAD_VERSION (HELLO excepted: negotiation reads any version)', () => {
      for (const v of [0, 2, 3, 5, 6, 0xff]) expectError(msg(v, 20), 'BAD_VERSION', 0);
      const hello = decodeMessage(msg(6, 0, h('0001 0008 00000052')));
      expect(hello.ok && hello.message).to.deep.equal({ version: 6, xid: 0x01020304, type: 'hello', versions: [1, 4, 6] });
    });
    it('unknown message type: BAD_TYPE', () => {
      expectError(msg(4, 30), 'BAD_TYPE', 1);
      expectError(msg(4, 0xff), 'BAD_TYPE', 1);
      expectError(msg(1, 22), 'BAD_TYPE', 1);
    });
    it('a known type Spotlight does not model: UNSUPPORTED', () => {
      expectError(msg(4, 17, new Array<number>(8).fill(0)), 'UNSUPPORTED'); // TABLE_MOD
      expectError(msg(1, 15, new Array<number>(24).fill(0)), 'UNSUPPORTED'); // PORT_MOD
    });
    it('carries the header fields and the xid with the error', () => {
      const r = decodeMessage(msg(4, 14, new Array<number>(40).fill(0), undefined, 77));
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error).to.include({ version: 4, msgType: 14, xid: 77 });
    });
  });

  describe('HELLO elements', () => {
    it('zero-length element: BAD_ELEMENT_LENGTH', () => expectError(msg(4, 0, h('0001 0000 00000000')), 'BAD_ELEMENT_LENGTH', 10));
    it('element longer than the message: BAD_ELEMENT_LENGTH', () => expectError(msg(4, 0, h('0001 0010 00000010')), 'BAD_ELEMENT_LENGTH'));
    it('element header cut short: BAD_ELEMENT_LENGTH', () => expectError(msg(4, 0, h('0001')), 'BAD_ELEMENT_LENGTH', 8));
    it('bitmap length not 4 + 4n: BAD_ELEMENT_LENGTH', () => expectError(msg(4, 0, h('0001 0006 0000 0000')), 'BAD_ELEMENT_LENGTH'));
    it('an OF1.0 HELLO body that is not elements is ignored (OF1.0 gives it no structure)', () => {
      const r = decodeMessage(msg(1, 0, h('0001 0000 ff')));
      expect(r.ok && r.message).to.deep.equal({ version: 1, xid: 0x01020304, type: 'hello' });
    });
    it('unknown element types are skipped', () => {
      const r = decodeMessage(msg(4, 0, h('0009 0005 01000000 0001 0008 00000010')));
      expect(r.ok && r.message).to.deep.equal({ version: 4, xid: 0x01020304, type: 'hello', versions: [4] });
    });
    it('absurd element count: TOO_MANY_ELEMENTS', () => {
      const body: number[] = [];
      for (let i = 0; i < 100; i++) body.push(...h('0002 0004 00000000'));
      expectError(msg(4, 0, body), 'TOO_MANY_ELEMENTS');
    });
    it('absurd bitmap: TOO_MANY_ELEMENTS', () => {
      expectError(msg(4, 0, [...h('0001'), ...u16(4 + 4 * 100), ...new Array<number>(400).fill(0xff), 0, 0, 0, 0]), 'TOO_MANY_ELEMENTS');
    });
  });

  describe('actions', () => {
    it('zero-length action: BAD_ELEMENT_LENGTH', () => expectError(packetOut13(h('0000 0000 00000000')), 'BAD_ELEMENT_LENGTH', 26));
    it('action longer than its list: BAD_ELEMENT_LENGTH', () => expectError(packetOut13(h('0000 0018 00000001 0000 000000000000')), 'BAD_ELEMENT_LENGTH'));
    it('action length not a multiple of 8: BAD_ELEMENT_LENGTH', () => expectError(packetOut13(h('0016 000c 00000001 00000000')), 'BAD_ELEMENT_LENGTH'));
    it('action of the wrong size for its type: BAD_ELEMENT_LENGTH', () => expectError(packetOut13(h('0000 0008 00000001')), 'BAD_ELEMENT_LENGTH'));
    it('actions_len beyond the message: BAD_ELEMENT_LENGTH', () => expectError(packetOut13(h('0016 0008 00000001'), 64), 'BAD_ELEMENT_LENGTH'));
    it('OF1.0 zero-length and overlong actions', () => {
      expectError(msg(1, 13, h('ffffffff ffff 0008 0000 0000 00000000')), 'BAD_ELEMENT_LENGTH');
      expectError(msg(1, 13, h('ffffffff ffff 0008 0000 0010 00010000')), 'BAD_ELEMENT_LENGTH');
    });
    it('absurd action count: TOO_MANY_ELEMENTS', () => {
      const acts: number[] = [];
      for (let i = 0; i < 2100; i++) acts.push(...h('0018 0008 00000000'));
      expectError(packetOut13(acts), 'TOO_MANY_ELEMENTS');
    });
    it('set-field with a mask: BAD_OXM_MASK', () => expectError(packetOut13(h('0019 0010 80000d04 0001 ffff 00000000')), 'BAD_OXM_MASK'));
    it('unknown action type: UNSUPPORTED', () => expectError(packetOut13(h('0063 0008 00000000')), 'UNSUPPORTED'));
  });

  describe('instructions', () => {
    it('zero-length instruction: BAD_ELEMENT_LENGTH', () => expectError(flowMod13('', '0001 0000 01000000'), 'BAD_ELEMENT_LENGTH'));
    it('instruction longer than the message: BAD_ELEMENT_LENGTH', () => expectError(flowMod13('', '0004 0020 00000000 0000 0010 00000001 0000 000000000000'), 'BAD_ELEMENT_LENGTH'));
    it('goto-table of the wrong size: BAD_ELEMENT_LENGTH', () => expectError(flowMod13('', '0001 0010 01000000 0000000000000000'), 'BAD_ELEMENT_LENGTH'));
    it('the same instruction twice: DUPLICATE_FIELD', () => expectError(flowMod13('', '0001 0008 01000000 0001 0008 02000000'), 'DUPLICATE_FIELD'));
    // One of each type at most, so a long list stops at the first repeat.
    it('absurd instruction count: DUPLICATE_FIELD at the first repeat', () => expectError(flowMod13('', '0001 0008 01000000'.repeat(2000)), 'DUPLICATE_FIELD', 64));
  });

  describe('OXM matches', () => {
    it('zero-length OXM for a 4-byte field: BAD_OXM', () => expectError(flowMod13('80000000'), 'BAD_OXM'));
    it('OXM length not the field size: BAD_OXM', () => expectError(flowMod13('80000003 000001'), 'BAD_OXM'));
    it('OXM running past its match: BAD_ELEMENT_LENGTH', () => expectError(flowMod13('80000008 00000001'), 'BAD_ELEMENT_LENGTH'));
    it('match length below its header: BAD_ELEMENT_LENGTH', () => {
      const b = flowMod13('80000004 00000001');
      Buffer.from(b.buffer).writeUInt16BE(2, 50);
      expectError(b, 'BAD_ELEMENT_LENGTH', 50);
    });
    it('match length past the message: BAD_ELEMENT_LENGTH', () => {
      const b = flowMod13('80000004 00000001');
      Buffer.from(b.buffer).writeUInt16BE(0x200, 50);
      expectError(b, 'BAD_ELEMENT_LENGTH');
    });
    it('unknown OpenFlow-basic field: BAD_OXM', () => expectError(flowMod13('80006404 00000001'), 'BAD_OXM'));
    it('mask on a field that takes none: BAD_OXM_MASK', () => expectError(flowMod13('80000108 00000001 ffffffff'), 'BAD_OXM_MASK'));
    it('value bits outside the mask: BAD_OXM_MASK', () => expectError(flowMod13('80000a02 0800 80001708 0a000001 ffffff00'), 'BAD_OXM_MASK'));
    it('missing prerequisite: BAD_OXM_PREREQ', () => {
      expectError(flowMod13('80001604 0a000001'), 'BAD_OXM_PREREQ'); // ipv4_src without eth_type
      expectError(flowMod13('80000a02 0800 80001401 11 80001a02 0050'), 'BAD_OXM_PREREQ'); // tcp_dst with ip_proto 17
      expectError(flowMod13('80000a02 86dd 80001401 3a 80003a01 80 80003e10 fe800000000000000000000000000001'), 'BAD_OXM_PREREQ'); // nd_target, type 128
      expectError(flowMod13('80000e01 03'), 'BAD_OXM_PREREQ'); // vlan_pcp without vlan_vid
    });
    it('the same field twice: DUPLICATE_FIELD', () => expectError(flowMod13('80000004 00000001 80000004 00000002'), 'DUPLICATE_FIELD'));
    it('value out of the field range: BAD_VALUE', () => expectError(flowMod13('80000c02 2000'), 'BAD_VALUE'));
    it('absurd field count: TOO_MANY_ELEMENTS', () => expectError(flowMod13('00010000'.repeat(70)), 'TOO_MANY_ELEMENTS'));
    it('fields of other OXM classes are skipped', () => {
      const r = decodeMessage(flowMod13('00010004 00000005 80000004 00000001'));
      expect(r.ok && r.message.type === 'flowMod' && r.message.match).to.deep.equal({ inPort: 1 });
    });
  });

  describe('multipart bodies, ports, buckets and bands', () => {
    const mpReply = (type: number, body: number[]): Uint8Array => msg(4, 19, [...u16(type), 0, 0, 0, 0, 0, 0, ...body]);
    it('zero-length flow stats entry: BAD_ELEMENT_LENGTH', () => expectError(mpReply(1, [0, 0, ...new Array<number>(54).fill(0)]), 'BAD_ELEMENT_LENGTH', 16));
    it('overlong flow stats entry: BAD_ELEMENT_LENGTH', () => expectError(mpReply(1, [...u16(0x100), ...new Array<number>(54).fill(0)]), 'BAD_ELEMENT_LENGTH'));
    it('port stats body not a whole number of entries: BAD_ELEMENT_LENGTH', () => expectError(mpReply(4, new Array<number>(100).fill(0)), 'BAD_ELEMENT_LENGTH'));
    it('port-desc body cut inside a port: BAD_ELEMENT_LENGTH', () => expectError(mpReply(13, new Array<number>(63).fill(0)), 'BAD_ELEMENT_LENGTH'));
    it('OF1.0 features reply with a partial port: BAD_ELEMENT_LENGTH', () => expectError(msg(1, 6, new Array<number>(24 + 47).fill(0)), 'BAD_ELEMENT_LENGTH'));
    it('OF1.0 stats body cut short: TRUNCATED_BODY', () => expectError(msg(1, 17, [0, 0, 0, 0, ...new Array<number>(100).fill(0)]), 'TRUNCATED_BODY'));
    it('zero-length and overlong group-desc entries and buckets: BAD_ELEMENT_LENGTH', () => {
      expectError(mpReply(7, h('0000 00 00 00000001')), 'BAD_ELEMENT_LENGTH');
      expectError(mpReply(7, h('0040 00 00 00000001')), 'BAD_ELEMENT_LENGTH');
      expectError(mpReply(7, h('0018 00 00 00000001 0000 0000 ffffffff ffffffff 00000000')), 'BAD_ELEMENT_LENGTH');
      expectError(msg(4, 15, h('0000 00 00 00000001 0040 0000 ffffffff ffffffff 00000000')), 'BAD_ELEMENT_LENGTH');
    });
    it('zero-length and overlong meter bands: BAD_ELEMENT_LENGTH', () => {
      expectError(msg(4, 29, h('0000 0001 00000001 0001 0000 00000001 00000000 00000000')), 'BAD_ELEMENT_LENGTH');
      expectError(msg(4, 29, h('0000 0001 00000001 0001 0020 00000001 00000000 00000000')), 'BAD_ELEMENT_LENGTH');
    });
    it('absurd bucket count: TOO_MANY_ELEMENTS', () => {
      const buckets: number[] = [];
      for (let i = 0; i < 1100; i++) buckets.push(...h('0010 0000 ffffffff ffffffff 00000000'));
      expectError(msg(4, 15, [...h('0000 00 00 00000001'), ...buckets]), 'TOO_MANY_ELEMENTS');
    });
    it('absurd band count: TOO_MANY_ELEMENTS', () => {
      expectError(msg(4, 29, [...h('0000 0001 00000001'), ...h('0001 0010 00000001 00000000 00000000'.repeat(70))]), 'TOO_MANY_ELEMENTS');
    });
    it('table features shorter than their fixed part, not a multiple of 8, or past the body: BAD_ELEMENT_LENGTH', () => {
      expectError(mpReply(12, [...u16(56), ...new Array<number>(54).fill(0)]), 'BAD_ELEMENT_LENGTH', 16);
      expectError(mpReply(12, [...u16(68), ...new Array<number>(66).fill(0)]), 'BAD_ELEMENT_LENGTH', 16);
      expectError(mpReply(12, [...u16(72), ...new Array<number>(62).fill(0)]), 'BAD_ELEMENT_LENGTH');
    });
    it('a table features request with a body (a change of the tables): UNSUPPORTED', () => {
      expectError(msg(4, 18, [...u16(12), 0, 0, 0, 0, 0, 0, ...u16(64), ...new Array<number>(62).fill(0)]), 'UNSUPPORTED');
    });
    it('multipart type Spotlight does not model: UNSUPPORTED', () => expectError(mpReply(5, []), 'UNSUPPORTED'));
  });

  describe('bad field values', () => {
    it('flow-mod command out of range: BAD_VALUE', () => {
      const b = flowMod13('');
      b[25] = 9;
      expectError(b, 'BAD_VALUE', 25);
    });
    it('controller role out of range: BAD_VALUE', () => expectError(msg(4, 24, h('00000009 00000000 0000000000000000')), 'BAD_VALUE', 8));
    it('bundled message with another xid: BAD_VALUE', () => {
      expectError(msg(4, 4, [...h('4f4e4600 000008fd 00000001 0000 0000'), ...h('04140008 00000009')]), 'BAD_VALUE');
    });
    it('bundled message of another version: BAD_VERSION', () => {
      expectError(msg(4, 4, [...h('4f4e4600 000008fd 00000001 0000 0000'), ...h('01140008 01020304')]), 'BAD_VERSION');
    });
  });

  describe('encode errors', () => {
    const fm = (version: 1 | 4, over: Partial<Extract<OfpMessage, { type: 'flowMod' }>>): OfpMessage => ({
      version, xid: 1, type: 'flowMod', cookie: 0n, cookieMask: 0n, tableId: 0, command: 'add', idleTimeout: 0, hardTimeout: 0, priority: 1,
      bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: {}, match: {}, instructions: [], ...over,
    });
    const code = (m: OfpMessage): string | undefined => {
      const r = tryEncodeMessage(m);
      return r.ok ? undefined : r.error.code;
    };
    it('throws CodecException with the error, and tryEncodeMessage returns it', () => {
      let caught: unknown;
      try {
        encodeMessage(fm(1, { instructions: [{ type: 'gotoTable', tableId: 1 }] }));
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(CodecException);
      expect((caught as CodecException).error.code).to.equal('UNSUPPORTED');
    });
    it('what OF1.0 cannot carry: UNSUPPORTED', () => {
      expect(code(fm(1, { instructions: [{ type: 'gotoTable', tableId: 1 }] }))).to.equal('UNSUPPORTED');
      expect(code(fm(1, { tableId: 3 }))).to.equal('UNSUPPORTED');
      expect(code(fm(1, { match: { ethSrc: { value: '02:00:00:00:00:00', mask: '02:00:00:00:00:00' } } }))).to.equal('UNSUPPORTED');
      expect(code(fm(1, { match: { ethType: 0x0800, ipv4Src: { value: '10.0.0.0', mask: '255.0.255.0' } } }))).to.equal('UNSUPPORTED');
      expect(code(fm(1, { match: { ethType: 0x86dd, ipv6Src: '::1' } }))).to.equal('UNSUPPORTED');
      expect(code(fm(1, { instructions: [{ type: 'applyActions', actions: [{ type: 'group', groupId: 1 }] }] }))).to.equal('UNSUPPORTED');
      expect(code({ version: 1, xid: 1, type: 'groupMod', command: 'add', groupType: 'all', groupId: 1, buckets: [] })).to.equal('UNSUPPORTED');
      expect(code({ version: 1, xid: 1, type: 'roleRequest', role: 'master', generationId: 3n })).to.equal('UNSUPPORTED');
      expect(code({ version: 1, xid: 1, type: 'multipartRequest', more: false, body: { kind: 'portDesc' } })).to.equal('UNSUPPORTED');
    });
    it('what OF1.3 cannot carry: UNSUPPORTED', () => {
      expect(code(fm(4, { flags: { emerg: true } }))).to.equal('UNSUPPORTED');
      expect(code(fm(4, { instructions: [{ type: 'applyActions', actions: [{ type: 'enqueue', port: 1, queueId: 1 }] }] }))).to.equal('UNSUPPORTED');
    });
    it('missing prerequisite, bad mask, duplicate instruction values', () => {
      expect(code(fm(4, { match: { ipv4Src: '10.0.0.1' } }))).to.equal('BAD_OXM_PREREQ');
      expect(code(fm(1, { match: { tcpDst: 80 } }))).to.equal('BAD_OXM_PREREQ');
      expect(code(fm(4, { match: { ethType: 0x800, ipv4Src: { value: '10.0.0.1', mask: '255.255.255.0' } } }))).to.equal('BAD_OXM_MASK');
      expect(code(fm(4, { match: { inPort: { value: 1, mask: 1 } as unknown as number } }))).to.equal('BAD_OXM_MASK');
    });
    it('values out of range or malformed: BAD_VALUE', () => {
      expect(code(fm(4, { priority: 0x10000 }))).to.equal('BAD_VALUE');
      expect(code(fm(4, { cookie: -1n }))).to.equal('BAD_VALUE');
      expect(code(fm(4, { match: { ethSrc: 'not-a-mac' } }))).to.equal('BAD_VALUE');
      expect(code(fm(4, { match: { ethType: 0x86dd, ipv6Src: '1::2::3' } }))).to.equal('BAD_VALUE');
      expect(code(fm(4, { match: { vlanVid: 0x2000 } }))).to.equal('BAD_VALUE');
      expect(code(fm(4, { match: { bogus: 1 } as never }))).to.equal('BAD_VALUE');
      expect(code({ version: 3 as never, xid: 1, type: 'barrierRequest' })).to.equal('BAD_VERSION');
      expect(code(null as never)).to.equal('BAD_VALUE');
    });
  });
});
