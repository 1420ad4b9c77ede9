// Frames a VM sends (ARP request, gratuitous ARP, RARP as QEMU announces a
// migrated VM), built with the wire builders of src/sim/packets.ts, and a
// frame's header fields as the flow table matches them.
import { OFP10_VERSION, type OfVersion } from '../../src/openflow/wire-values.js';
import { arp, ethernet, parse, type Fields } from '../../src/sim/packets.js';
import type { Packet } from '../../test/support/flow-table.js';

const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const ZERO_MAC = '00:00:00:00:00:00';
const ETH_ARP = 0x0806;
const ETH_RARP = 0x8035;
/** RARP "request reverse" (RFC 903), the opcode QEMU's self-announcement carries. */
const RARP_REQUEST_REVERSE = 3;

/** Who-has `targetIp`, tell `ip` (broadcast). */
export function arpRequest(mac: string, ip: string, targetIp: string): Uint8Array {
  return ethernet(BROADCAST, mac, ETH_ARP, arp(1, mac, ip, ZERO_MAC, targetIp));
}

/** A gratuitous ARP request: sender and target address are the VM's own. */
export function gratuitousArp(mac: string, ip: string): Uint8Array {
  return ethernet(BROADCAST, mac, ETH_ARP, arp(1, mac, ip, ZERO_MAC, ip));
}

/** QEMU's announcement after a migration: RARP with the VM's MAC as sender and target, no addresses. */
export function rarpAnnounce(mac: string): Uint8Array {
  return ethernet(BROADCAST, mac, ETH_RARP, arp(RARP_REQUEST_REVERSE, mac, '0.0.0.0', mac, '0.0.0.0'));
}

/** An ARP reply's sender and target, or undefined for any other frame. */
export function arpReply(frame: Uint8Array): { sha: string; spa: string; tha: string; tpa: string } | undefined {
  if (frame.length < 42 || frame[12] !== 0x08 || frame[13] !== 0x06 || frame[21] !== 2) return undefined;
  const f = parse(frame);
  return { sha: f.arpSha!, spa: f.arpSpa!, tha: f.arpTha!, tpa: f.arpTpa! };
}

export function isLldp(frame: Uint8Array): boolean {
  return frame.length >= 14 && frame[12] === 0x88 && frame[13] === 0xcc;
}

const macBits = (m: string): bigint => BigInt('0x' + m.replace(/:/g, ''));
const ipBits = (ip: string): bigint => ip.split('.').reduce((a, o) => (a << 8n) | BigInt(o), 0n);

/** The fields of a frame entering `inPort`, as match bits (an untagged frame has no VLAN: 0 on OF1.3, 0xffff on OF1.0). */
export function packetFields(frame: Uint8Array, inPort: number, version: OfVersion): Packet {
  const f: Fields = parse(frame);
  const p: Packet = { inPort: BigInt(inPort), ethDst: macBits(f.ethDst), ethSrc: macBits(f.ethSrc), ethType: BigInt(f.ethType) };
  const untagged = version === OFP10_VERSION ? 0xffffn : 0n;
  p.vlanVid = f.vlans.length > 0 ? BigInt(f.vlans[0]!) | (version === OFP10_VERSION ? 0n : 0x1000n) : untagged;
  if (f.arpOp !== undefined) {
    p.arpOp = BigInt(f.arpOp);
    p.arpSha = macBits(f.arpSha!);
    p.arpSpa = ipBits(f.arpSpa!);
    p.arpTha = macBits(f.arpTha!);
    p.arpTpa = ipBits(f.arpTpa!);
  }
  if (f.ipv4Src !== undefined) {
    p.ipv4Src = ipBits(f.ipv4Src);
    p.ipv4Dst = ipBits(f.ipv4Dst!);
  }
  if (f.ipProto !== undefined) p.ipProto = BigInt(f.ipProto);
  if (f.udpSrc !== undefined) {
    p.udpSrc = BigInt(f.udpSrc);
    p.udpDst = BigInt(f.udpDst!);
  }
  return p;
}
