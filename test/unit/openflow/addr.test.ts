// Address text forms against Node's own parser (node:net) as the oracle.
import { expect } from 'chai';
import fc from 'fast-check';
import { isIPv6, SocketAddress } from 'node:net';
import { formatIpv6, parseIpv4, parseIpv6 } from '../../../src/openflow/addr.js';

describe('openflow address text', () => {
  it('IPv6 parse/format agrees with node:net on random addresses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), (bytes, zs, zl) => {
        for (let i = zs * 2; i < Math.min(16, (zs + zl) * 2); i++) bytes[i] = 0;
        const text = formatIpv6(bytes);
        expect(isIPv6(text)).to.equal(true);
        // node normalises to the same RFC 5952 form, except that it writes
        // IPv4-compatible and -mapped addresses with a dotted quad.
        const nodeText = new SocketAddress({ address: text, family: 'ipv6' }).address;
        if (nodeText.includes('.')) expect(Buffer.from(parseIpv6(nodeText)!).equals(Buffer.from(bytes))).to.equal(true);
        else expect(nodeText).to.equal(text);
        expect(Buffer.from(parseIpv6(text)!).equals(Buffer.from(bytes))).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts the usual IPv6 spellings and refuses bad ones', () => {
    for (const [t, canon] of [['::', '::'], ['::1', '::1'], ['FE80::0:1', 'fe80::1'], ['::ffff:10.0.0.1', '::ffff:a00:1'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['1::', '1::']]) {
      expect(formatIpv6(parseIpv6(t)!), t).to.equal(canon);
      expect(isIPv6(t)).to.equal(true);
    }
    for (const bad of ['', ':', '1:2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'g::', '::1.2.3', '1:2:3:4:5:6:7::8:9']) expect(parseIpv6(bad), bad).to.equal(undefined);
  });

  it('IPv4 parse refuses bad dotted quads', () => {
    expect(parseIpv4('10.0.0.1')).to.equal(0x0a000001);
    expect(parseIpv4('255.255.255.255')).to.equal(0xffffffff);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d']) expect(parseIpv4(bad), bad).to.equal(undefined);
  });
});
