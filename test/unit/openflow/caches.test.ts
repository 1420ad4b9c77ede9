// The codec keeps state between calls (parsed MAC and IPv4 text in bounded
// maps, one BigUint64Array slot through which u64s pass). Whatever came
// before, each message must give the bytes and values that Node's own Buffer
// readers and writers give, and bad values must stay refused.
import { expect } from 'chai';
import { decodeMessage, encodeMessage, tryEncodeMessage, type FlowMod } from '../../../src/openflow/index.js';

const flow = (over: Partial<FlowMod>): FlowMod => ({
  version: 4, xid: 7, type: 'flowMod', cookie: 0n, cookieMask: 0n, tableId: 0, command: 'add', idleTimeout: 0, hardTimeout: 0,
  priority: 100, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: {}, match: {}, instructions: [], ...over,
});

// ofp_flow_mod (OF1.3): cookie at byte 8, cookie_mask at 16; the match at 48:
// type, length, then the first OXM's 4-byte header and its value at 56.
const COOKIE = 8;
const COOKIE_MASK = 16;
const FIRST_OXM_VALUE = 56;
// With eth_type (2 bytes) first, the next OXM's value starts 2 + 4 bytes later.

describe('openflow codec caches', () => {
  // First, while nothing has been encoded yet (a fresh cookie cache once let -1n through).
  it('cookies out of range are refused before and after a cached one', () => {
    for (const bad of [-1n, 0x10000000000000000n, -0x5000000000000001n]) {
      expect(tryEncodeMessage(flow({ cookie: bad })).ok, String(bad)).to.equal(false);
      encodeMessage(flow({ cookie: 0x5000000000000001n }));
      const r = tryEncodeMessage(flow({ cookie: bad }));
      expect(r.ok, String(bad)).to.equal(false);
      if (!r.ok) expect(r.error.code).to.equal('BAD_VALUE');
    }
  });

  it('cookies: every value, repeated or not, in any order, is written as Buffer writes it', () => {
    const values = [0n, 1n, 0x1fffffffffffffn, 0x20000000000000n, 0x5000000000000001n, 0x5000000000000002n, 0xffffffffffffffffn, 0x5000000000000001n, 0n, 0xffffffff00000000n];
    for (const cookie of values) {
      for (const cookieMask of values) {
        const bytes = encodeMessage(flow({ cookie, cookieMask }));
        expect(bytes.readBigUInt64BE(COOKIE), `cookie ${cookie}`).to.equal(cookie);
        expect(bytes.readBigUInt64BE(COOKIE_MASK), `cookie mask ${cookieMask}`).to.equal(cookieMask);
      }
    }
  });

  it('decoded cookies sharing a high word, or not, read as Buffer reads them', () => {
    const cookies = [0x5000000000000001n, 0x5000000000000002n, 0x5000000100000000n, 0x5000000000000000n, 7n, 0xffffffffffffffffn, 0x5000000000000001n];
    for (const cookie of cookies) {
      const bytes = Buffer.from(encodeMessage(flow({ cookie })));
      const r = decodeMessage(bytes);
      if (!r.ok || r.message.type !== 'flowMod') throw new Error('not decoded');
      expect(r.message.cookie).to.equal(bytes.readBigUInt64BE(COOKIE));
      expect(r.message.cookie).to.equal(cookie);
    }
  });

  it('MAC text: any case, through a full cache and back, gives the same six bytes; bad text stays refused', () => {
    const macBytes = (mac: string): string => encodeMessage(flow({ match: { ethDst: mac } })).subarray(FIRST_OXM_VALUE, FIRST_OXM_VALUE + 6).toString('hex');
    expect(macBytes('52:54:00:AB:cd:Ef')).to.equal('525400abcdef');
    expect(macBytes('52:54:00:ab:cd:ef')).to.equal('525400abcdef');
    // More distinct addresses than the cache holds, then the first again.
    for (let i = 0; i < 5000; i++) {
      const hex = i.toString(16).padStart(4, '0');
      expect(macBytes(`02:00:00:00:${hex.slice(0, 2)}:${hex.slice(2)}`)).to.equal(`02000000${hex}`);
    }
    expect(macBytes('52:54:00:AB:cd:Ef')).to.equal('525400abcdef');
    for (const bad of ['52:54:00:ab:cd', '52-54-00-ab-cd-ef', '52:54:00:ab:cd:eg', '']) {
      const r = tryEncodeMessage(flow({ match: { ethDst: bad } }));
      expect(r.ok, bad).to.equal(false);
      if (!r.ok) expect(r.error.code).to.equal('BAD_VALUE');
    }
  });

  it('IPv4 text through a full cache gives the bytes of its dotted quad; bad text stays refused', () => {
    const ipBytes = (ip: string): number => encodeMessage(flow({ match: { ethType: 0x0800, ipv4Dst: ip } })).readUInt32BE(FIRST_OXM_VALUE + 2 + 4);
    for (let i = 0; i < 5000; i++) {
      const ip = `10.${i >> 8}.${i & 0xff}.${(i * 7) & 0xff}`;
      expect(ipBytes(ip), ip).to.equal(((10 << 24) | ((i >> 8) << 16) | ((i & 0xff) << 8) | ((i * 7) & 0xff)) >>> 0);
    }
    for (const bad of ['10.0.0.256', '10.0.0', '010.0.0.1', '10.0.0.1 ']) {
      encodeMessage(flow({ match: { ethType: 0x0800, ipv4Dst: '10.0.0.1' } }));
      const r = tryEncodeMessage(flow({ match: { ethType: 0x0800, ipv4Dst: bad } }));
      expect(r.ok, bad).to.equal(false);
      if (!r.ok) expect(r.error.code).to.equal('BAD_VALUE');
    }
  });
});
