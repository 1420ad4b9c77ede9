// The ICMPv6 checksum of a frame the controller sends, checked the test's own
// way (RFC 4443 2.3, over the pseudo-header of RFC 8200 8.1).
import { IPPROTO_ICMPV6 } from '../../src/openflow/ethernet.js';

/** True when an IPv6 frame's ICMPv6 checksum is right. */
export function icmpv6ChecksumOk(frame: Uint8Array): boolean {
  const ip = 14;
  const len = (frame[ip + 4]! << 8) | frame[ip + 5]!;
  const words: number[] = [...frame.subarray(ip + 8, ip + 40), 0, 0, len >> 8, len & 0xff, 0, 0, 0, IPPROTO_ICMPV6, ...frame.subarray(ip + 40, ip + 40 + len)];
  let sum = 0;
  for (let i = 0; i < words.length; i += 2) sum += (words[i]! << 8) + (words[i + 1] ?? 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum === 0xffff;
}
