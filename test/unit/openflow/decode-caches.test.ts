// Decoded MAC and IPv4 text comes from bounded tables keyed by value. Whatever
// was decoded before (more addresses than the tables hold, addresses that
// share a slot or their low 32 bits), each decode must give the text of the
// bytes on the wire, as Node's Buffer reads them.
import { expect } from 'chai';
import { decodeMessage, encodeMessage, type FlowMod } from '../../../src/openflow/index.js';

const flow = (ethSrc: string, ipv4Src: string, ethDst: string): FlowMod => ({
  version: 4, xid: 1, type: 'flowMod', cookie: 0n, cookieMask: 0n, tableId: 0, command: 'add', idleTimeout: 0, hardTimeout: 0,
  priority: 100, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: {},
  match: { ethSrc, ethType: 0x0800, ipv4Src },
  instructions: [{ type: 'applyActions', actions: [{ type: 'setField', field: 'ethDst', value: ethDst }, { type: 'output', port: 1 }] }],
});

// ofp_flow_mod (OF1.3): match at 48; eth_src value at 56, eth_type's at 66,
// ipv4_src's at 72; the set-field's MAC at 96 (instruction at 80, action at
// 88, its OXM header at 92).
const ETH_SRC = 56;
const IPV4_SRC = 72;
const SET_ETH_DST = 96;

const macText = (b: Buffer, at: number): string => [...b.subarray(at, at + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ipText = (b: Buffer, at: number): string => [...b.subarray(at, at + 4)].join('.');

function check(src: string, ip: string, dst: string): void {
  const bytes = Buffer.from(encodeMessage(flow(src, ip, dst)));
  expect(macText(bytes, ETH_SRC)).to.equal(src.toLowerCase());
  expect(ipText(bytes, IPV4_SRC)).to.equal(ip);
  expect(macText(bytes, SET_ETH_DST)).to.equal(dst.toLowerCase());
  const r = decodeMessage(bytes);
  if (!r.ok || r.message.type !== 'flowMod') throw new Error(`not decoded: ${JSON.stringify(r)}`);
  expect(r.message.match.ethSrc).to.equal(macText(bytes, ETH_SRC));
  expect(r.message.match.ipv4Src).to.equal(ipText(bytes, IPV4_SRC));
  const apply = r.message.instructions[0];
  if (apply?.type !== 'applyActions') throw new Error('no apply-actions');
  const set = apply.actions[0];
  if (set?.type !== 'setField') throw new Error('no set-field');
  expect(set.value).to.equal(macText(bytes, SET_ETH_DST));
}

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');
const mac = (hi16: number, lo32: number): string => {
  const h = hex(hi16, 4) + hex(lo32 >>> 0, 8);
  return h.match(/../g)!.join(':');
};
const ip = (v: number): string => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');

describe('openflow decoded address text', () => {
  it('MACs sharing their low 32 bits, and IPv4 addresses, decode to their own text in any order', () => {
    for (let round = 0; round < 3; round++) {
      for (let hi = 0; hi < 64; hi++) check(mac(hi * 0x0401, 0x12345678), ip(hi), mac(0xffff - hi, 0x12345678));
    }
  });

  it('more distinct addresses than the tables hold, then the first ones again, decode to their own text', () => {
    let x = 0x9e3779b9;
    const next = (): number => (x = (Math.imul(x ^ (x >>> 16), 0x45d9f3b) + 0x6b43a9b5) >>> 0);
    const seen: [string, string, string][] = [];
    for (let i = 0; i < 40000; i++) {
      const t: [string, string, string] = [mac(next() & 0xfeff, next()), ip(next()), mac(next() & 0xfeff, next())];
      if (i < 200) seen.push(t);
      check(...t);
    }
    for (const t of seen) check(...t);
    // 0.0.0.0 and 00:00:00:00:00:00 (the tables' initial keys) as well.
    check('00:00:00:00:00:00', '0.0.0.0', '00:00:00:00:00:00');
    check('02:00:00:00:00:00', '0.0.0.1', '00:00:00:00:00:01');
  });
});
