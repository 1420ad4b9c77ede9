// The one-pass OF1.3 flow-mod encoder (of13/flow-mod-fast.ts) is a shortcut
// of the general one: wherever it writes a message, the general encoder must
// give the same bytes; wherever the general encoder refuses one, the shortcut
// must step aside. Checked on random flow-mods (fields it takes and fields it
// leaves to the general path) and on random bad values. The general decoder
// reads back every random flow-mod and names each error class exactly.
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeMessage, tryEncodeMessage, type Action, type FlowMod, type Instruction, type Match } from '../../../src/openflow/index.js';
import { encodeFlowModFast13 } from '../../../src/openflow/of13/flow-mod-fast.js';
import { encodeFlowMod13 } from '../../../src/openflow/of13/messages.js';
import { Writer } from '../../../src/openflow/writer.js';
import { CodecException } from '../../../src/openflow/errors.js';

const seed = Number(process.env.FAST_SEED ?? Date.now() % 1_000_000);

const mac = fc.tuple(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 0xffffff })).map(([a, b]) => {
  const h = (a * 0x1000000 + b).toString(16).padStart(12, '0');
  return h.match(/../g)!.join(':');
});
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const u16 = fc.nat(0xffff);
const u32 = fc.oneof(fc.nat(0xffff), fc.constant(0xffffffff), fc.constant(0xfffffffd), fc.nat(0xffffffff));

/**
 * Flow-mods of the fields, instructions and actions the shortcut reads
 * (`wide` false), or with those it leaves to the general path mixed in.
 */
function flowModOf(wide: boolean): fc.Arbitrary<FlowMod> {
  const l2 = fc.record(
    {
      inPort: u32,
      ethDst: mac,
      ethSrc: mac,
      vlanVid: wide ? fc.oneof(fc.nat(0x1fff), fc.record({ value: fc.constant(0x1000), mask: fc.constant(0x1000) })) : fc.nat(0x1fff),
      ...(wide ? { metadata: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) } : {}),
    },
    { requiredKeys: [] },
  );
  const l4 = fc.oneof(
    fc.constant({}),
    fc.record({ ipProto: fc.constant(6), tcpDst: u16 }, { requiredKeys: ['ipProto'] }),
    fc.record({ ipProto: fc.constant(17), udpSrc: u16 }, { requiredKeys: ['ipProto'] }),
    fc.record({ ipProto: fc.constantFrom(1, 58, 132) }),
  );
  const src = wide ? fc.oneof(ipv4, fc.record({ value: fc.constant('10.0.0.0'), mask: fc.constant('255.0.0.0') })) : ipv4;
  const l3 = fc.oneof(
    fc.constant({}),
    fc.tuple(fc.record({ ipv4Src: src, ipv4Dst: ipv4 }, { requiredKeys: [] }), l4).map(([a, b]) => ({ ethType: 0x0800, ...a, ...b })),
    fc.record({ arpOp: fc.constantFrom(1, 2), arpSpa: ipv4, arpTpa: ipv4 }, { requiredKeys: [] }).map((a) => ({ ethType: 0x0806, ...a })),
    wide ? fc.record({ ipv6Src: fc.constantFrom('fe80::1', '2001:db8::5') }, { requiredKeys: [] }).map((a) => ({ ethType: 0x86dd, ...a })) : fc.constant({ ethType: 0x86dd }),
    fc.constantFrom(0x88cc, 0x8100).map((ethType) => ({ ethType })),
  );
  const match: fc.Arbitrary<Match> = fc.tuple(l2, l3).map(([a, b]) => ({ ...a, ...b }) as Match);

  const narrowActions: fc.Arbitrary<Action>[] = [
    fc.record({ type: fc.constant('output' as const), port: u32 }).map((a) => (a.port === 0xfffffffd ? { ...a, maxLen: 0xffff } : a)),
    fc.record({ type: fc.constant('output' as const), port: u32, maxLen: fc.integer({ min: 1, max: 0xffff }) }),
    fc.record({ type: fc.constant('setField' as const), field: fc.constantFrom('ethDst' as const, 'ethSrc' as const), value: mac }),
    fc.record({ type: fc.constant('setField' as const), field: fc.constantFrom('ipv4Src' as const, 'ipv4Dst' as const), value: ipv4 }),
  ];
  const wideActions: fc.Arbitrary<Action>[] = [
    fc.record({ type: fc.constant('group' as const), groupId: fc.nat(100) }),
    fc.constant({ type: 'popVlan' as const }),
    fc.record({ type: fc.constant('setField' as const), field: fc.constant('vlanVid' as const), value: fc.integer({ min: 0x1000, max: 0x1fff }) }),
  ];
  const action = fc.oneof(...narrowActions, ...(wide ? wideActions : []));
  const narrowInstructions: fc.Arbitrary<Instruction>[] = [
    fc.record({ type: fc.constant('gotoTable' as const), tableId: fc.nat(254) }),
    fc.record({ type: fc.constant('applyActions' as const), actions: fc.array(action, { maxLength: 4 }) }),
    fc.record({ type: fc.constant('writeActions' as const), actions: fc.array(action, { maxLength: 2 }) }),
    fc.constant({ type: 'clearActions' as const }),
  ];
  const wideInstructions: fc.Arbitrary<Instruction>[] = [
    fc.record({ type: fc.constant('meter' as const), meterId: fc.nat(10) }),
    fc.record({ type: fc.constant('writeMetadata' as const), metadata: fc.bigInt({ min: 0n, max: 255n }), mask: fc.constant(255n) }),
  ];
  const instruction = fc.oneof(...narrowInstructions, ...(wide ? wideInstructions : []));

  return fc.record({
    version: fc.constant(4 as const),
    xid: fc.nat(0xffffffff),
    type: fc.constant('flowMod' as const),
    cookie: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    cookieMask: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
    tableId: fc.nat(254),
    command: fc.constantFrom('add' as const, 'modify' as const, 'modifyStrict' as const, 'delete' as const, 'deleteStrict' as const),
    idleTimeout: u16,
    hardTimeout: u16,
    priority: u16,
    bufferId: u32,
    outPort: u32,
    outGroup: u32,
    flags: fc.constantFrom({}, { sendFlowRem: true }, { checkOverlap: true, resetCounts: true }),
    match,
    instructions: fc.uniqueArray(instruction, { maxLength: 4, selector: (i) => i.type }),
  });
}
const flowMod = fc.oneof({ weight: 2, arbitrary: flowModOf(false) }, { weight: 1, arbitrary: flowModOf(true) });

const text = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

describe(`openflow: one-pass OF1.3 flow-mod encoder against the general one, and the general decoder (seed ${seed})`, () => {
  it('decodes every random flow-mod back to what was encoded', () => {
    fc.assert(
      fc.property(flowMod, (fm) => {
        const enc = tryEncodeMessage(fm);
        if (!enc.ok) throw new Error(`${enc.error.code}: ${enc.error.message}`);
        const r = decodeMessage(new Uint8Array(enc.bytes));
        if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
        expect(r.message).to.deep.equal(fm);
      }),
      { numRuns: 4000, seed },
    );
  });

  it('reads the compiler\'s port-security flow field by field', () => {
    const fm: FlowMod = {
      version: 4, xid: 7, type: 'flowMod', cookie: 0x5370_0300_1234_5678n, cookieMask: 0n, tableId: 0, command: 'add',
      idleTimeout: 0, hardTimeout: 0, priority: 1000, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: { sendFlowRem: true },
      match: { inPort: 3, ethSrc: '52:54:00:12:00:01', ethType: 0x0800, ipv4Src: '10.1.0.1' },
      instructions: [
        { type: 'applyActions', actions: [{ type: 'setField', field: 'ethDst', value: '52:54:00:ab:00:01' }, { type: 'output', port: 7 }] },
        { type: 'gotoTable', tableId: 1 },
      ],
    };
    const enc = tryEncodeMessage(fm);
    if (!enc.ok) throw new Error(enc.error.message);
    const bytes = new Uint8Array(enc.bytes);
    const back = decodeMessage(bytes);
    expect(back.ok && back.message).to.deep.equal(fm);
    // ipv4_src without eth_type 0x0800 before it (eth_type rewritten to ARP): the decoder names the error.
    const arp = bytes.slice();
    const at = Buffer.from(arp).indexOf(Buffer.from([0x80, 0x00, 0x0a, 0x02, 0x08, 0x00]));
    expect(at).to.be.greaterThan(0);
    arp[at + 5] = 0x06;
    const r = decodeMessage(arp);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.error.code).to.equal('BAD_OXM_PREREQ');
  });

  /** An OF1.3 flow-mod of raw OXMs and raw instructions (hex), lengths filled in. */
  function raw(oxms: string, instructions: string): Uint8Array {
    const o = Buffer.from(oxms, 'hex');
    const mLen = 4 + o.length;
    const match = Buffer.concat([Buffer.from([0, 1, mLen >> 8, mLen & 0xff]), o, Buffer.alloc((8 - (mLen % 8)) % 8)]);
    const fixed = Buffer.alloc(40);
    fixed.writeUInt16BE(1000, 22);
    const body = Buffer.concat([fixed, match, Buffer.from(instructions, 'hex')]);
    const head = Buffer.from([4, 14, 0, 0, 0, 0, 0, 9]);
    head.writeUInt16BE(8 + body.length, 2);
    return new Uint8Array(Buffer.concat([head, body]));
  }
  const ETH_SRC = '80000806525400000001';
  const ETH_TYPE_IP = '80000a020800';
  const GOTO1 = '0001000801000000';
  const OUTPUT7 = '00000010000000070000000000000000';
  const APPLY_OUTPUT7 = `0004001800000000${OUTPUT7}`;

  it('names each error class a flow-mod can hold', () => {
    const cases: [string, Uint8Array, string][] = [
      ['a field twice', raw(ETH_SRC + ETH_SRC, GOTO1), 'DUPLICATE_FIELD'],
      ['an instruction twice', raw(ETH_SRC, GOTO1 + GOTO1), 'DUPLICATE_FIELD'],
      ['ipv4_src without eth_type', raw('80001604' + '0a000001', GOTO1), 'BAD_OXM_PREREQ'],
      ['tcp_dst with ip_proto 17', raw(ETH_TYPE_IP + '8000140111' + '80001c020016', GOTO1), 'BAD_OXM_PREREQ'],
      ['an OXM of the wrong length', raw('8000080500000000 01'.replace(' ', ''), GOTO1), 'BAD_OXM'],
      ['an OXM past its match', raw('8000080800000000', GOTO1), 'BAD_ELEMENT_LENGTH'],
      ['vlan_vid above 13 bits', raw('80000c02ffff', GOTO1), 'BAD_VALUE'],
      ['an unknown OXM field', raw('8000fe0400000000', GOTO1), 'BAD_OXM'],
      ['goto-table of length 16', raw(ETH_SRC, '0001001001000000' + '0000000000000000'), 'BAD_ELEMENT_LENGTH'],
      ['an instruction of length 12', raw(ETH_SRC, '0001000c0100000000000000'), 'BAD_ELEMENT_LENGTH'],
      ['an output action of length 8', raw(ETH_SRC, '0004001000000000' + '0000000800000007'), 'BAD_ELEMENT_LENGTH'],
      ['an action past its instruction', raw(ETH_SRC, '0004001000000000' + OUTPUT7), 'BAD_ELEMENT_LENGTH'],
      ['an unknown instruction', raw(ETH_SRC, '0009000800000000'), 'UNSUPPORTED'],
      ['a set-field with a mask', raw(ETH_SRC, '0004001800000000' + '00190010800007065254000000010000'), 'BAD_OXM_MASK'],
    ];
    for (const [what, bytes, code] of cases) {
      const r = decodeMessage(bytes);
      expect(r.ok, what).to.equal(false);
      if (!r.ok) expect(r.error.code, `${what}: ${r.error.message}`).to.equal(code);
    }
    // The same messages made sound are read.
    for (const bytes of [raw(ETH_SRC, GOTO1), raw(ETH_TYPE_IP + '8000140106' + '80001c020016', APPLY_OUTPUT7 + GOTO1)]) {
      const r = decodeMessage(bytes);
      expect(r.ok, r.ok ? '' : r.error.message).to.equal(true);
    }
  });

  /** The general encoder's bytes for `fm`, or its error code. */
  function generalBytes(fm: FlowMod): { bytes: Buffer } | { code: string } {
    const w = new Writer();
    w.begin();
    try {
      const at = w.header(4, 14, fm.xid);
      encodeFlowMod13(w, fm);
      w.endMessage(at);
      return { bytes: Buffer.from(w.finish()) };
    } catch (e) {
      // encodeMessage reports any other exception (a bigint where a number
      // goes, say) as BAD_VALUE.
      return { code: e instanceof CodecException ? e.error.code : 'BAD_VALUE' };
    }
  }

  /** Checks the encoding shortcut against the general encoder on `fm`; true when it took it. */
  function agreeEncoding(fm: FlowMod): boolean {
    const w = new Writer();
    w.begin();
    w.pos += 3; // not at the slab's start, as in use
    w.begin(true);
    const before = w.pos;
    const took = encodeFlowModFast13(w, fm);
    const slow = generalBytes(fm);
    if (!took) {
      expect(w.pos, 'a shortcut that steps aside keeps nothing').to.equal(before);
      return false;
    }
    if (!('bytes' in slow)) throw new Error(`shortcut encoded a flow-mod the general encoder rejects (${slow.code}): ${text(fm)}`);
    expect(Buffer.from(w.buf.subarray(before, w.pos)).toString('hex')).to.equal(slow.bytes.toString('hex'));
    return true;
  }

  it('encodes every random flow-mod it takes byte for byte as the general encoder, and takes the common ones', () => {
    let taken = 0;
    let total = 0;
    fc.assert(
      fc.property(flowMod, (fm) => {
        total++;
        if (agreeEncoding(fm)) taken++;
      }),
      { numRuns: 4000, seed },
    );
    expect(taken, `${taken} of ${total} taken`).to.be.greaterThan(total / 2);
    expect(taken, `${taken} of ${total} taken`).to.be.lessThan(total);
  });

  it('steps aside whenever the general encoder refuses a flow-mod (random bad values)', () => {
    // Values wrong anywhere, and values right in some places but wrong in
    // others (above 13 bits for a VLAN id; another protocol under a field).
    const bad = fc.constantFrom<unknown>(0x2000, 0x0800, 0x0806, 0x86dd, 6, 17, 255, -1, 1.5, 70_000, 0x1_0000_0000, 'x', null, undefined, {}, [], -1n, 1n << 64n, '10.0.0.256', '52:54:00:00:00', { value: '10.0.0.0', mask: '255.0.0.0' }, true);
    // Where a bad value goes: a top-level key, a match key, an instruction's or an action's key.
    const where = fc.oneof(
      fc.constantFrom('xid', 'cookie', 'cookieMask', 'tableId', 'command', 'idleTimeout', 'hardTimeout', 'priority', 'bufferId', 'outPort', 'outGroup', 'flags', 'match', 'instructions').map((k) => ({ at: 'top' as const, k })),
      fc.constantFrom('inPort', 'ethDst', 'ethSrc', 'ethType', 'vlanVid', 'ipProto', 'ipv4Src', 'ipv4Dst', 'tcpSrc', 'tcpDst', 'udpSrc', 'udpDst', 'arpOp', 'arpSpa', 'arpTpa', 'ipv6Src', 'typo').map((k) => ({ at: 'match' as const, k })),
      fc.constantFrom('type', 'tableId', 'actions').map((k) => ({ at: 'instruction' as const, k })),
      fc.constantFrom('type', 'port', 'maxLen', 'field', 'value').map((k) => ({ at: 'action' as const, k })),
    );
    let refused = 0;
    let taken = 0;
    fc.assert(
      fc.property(flowModOf(false), where, bad, (fm, w, v) => {
        const m = structuredClone(fm) as unknown as Record<string, unknown>;
        const ins = (m.instructions as Record<string, unknown>[]).find((i) => Array.isArray(i.actions) && (i.actions as unknown[]).length > 0);
        if (w.at === 'top') m[w.k] = v;
        else if (w.at === 'match') (m.match as Record<string, unknown>)[w.k] = v;
        else if (w.at === 'instruction') {
          const list = m.instructions as Record<string, unknown>[];
          if (list.length === 0) return;
          list[(v === null ? 0 : String(v).length) % list.length]![w.k] = v;
        } else {
          if (!ins) return;
          (ins.actions as Record<string, unknown>[])[0]![w.k] = v;
        }
        if (agreeEncoding(m as unknown as FlowMod)) taken++;
        if ('code' in generalBytes(m as unknown as FlowMod)) refused++;
      }),
      { numRuns: 6000, seed },
    );
    expect(refused).to.be.greaterThan(1000);
    expect(taken).to.be.greaterThan(300);
  });
});
