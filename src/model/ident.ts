// Identifiers as the contract spells them, brought to one canonical form so
// that equal things compare equal: MACs lower case, datapath ids 16 lower-case
// hex digits, IP addresses in ip-address's correct form.
import { dpidFromText, type Dpid } from '../openflow/dpid.js';
import { Address4, Address6 } from 'ip-address';
import type { PortRef } from './types.js';

/** Resolves a switch name from the topology settings to its datapath id. */
export type SwitchNameLookup = (name: string) => Dpid | undefined;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

/** Tenant, network, VM and relation names: 1..128 characters, no spaces or slashes. */
export function isValidName(s: unknown): s is string {
  return typeof s === 'string' && NAME_RE.test(s);
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Lower-case unicast MAC, or undefined (malformed, multicast/broadcast or all zeros). */
export function canonicalMac(s: unknown): string | undefined {
  if (typeof s !== 'string') return undefined;
  const mac = s.toLowerCase();
  if (!MAC_RE.test(mac)) return undefined;
  // The I/G bit (lowest bit of the first octet) set means group address.
  if ((parseInt(mac.slice(0, 2), 16) & 1) !== 0) return undefined;
  if (mac === '00:00:00:00:00:00') return undefined;
  return mac;
}

/**
 * The fabric's own MAC range, 0e:53:00:00:00:00/16 (locally administered):
 * the reserved destination MACs that carry a network's broadcast and DHCP
 * requests between switches. No interface or gateway may hold one, or frames
 * of another network addressed to it would be delivered there.
 */
export const FABRIC_MAC_PREFIX = '0e:53';

export function isFabricMac(mac: string): boolean {
  return mac.toLowerCase().startsWith(`${FABRIC_MAC_PREFIX}:`);
}

/** The error text for a MAC in the fabric's range. */
export const fabricMacMessage = (field: string, mac: string): string => `${field} ${mac} is in 0e:53:00:00:00:00/16, the range the fabric uses for its own addresses`;

/** What a switch reference may be, for error messages. */
export const SWITCH_FORMS = '16 hex digits ("0000000000000001"), the colon form ("00:00:00:00:00:00:00:01"), 0x and hex digits ("0x1"), or a switch name from the topology settings';

/** The switch a reference names: a datapath id as text (dpidFromText), else a switch name `lookup` knows. */
export function switchDpid(ref: unknown, lookup?: SwitchNameLookup): Dpid | undefined {
  if (typeof ref !== 'string') return undefined;
  const written = dpidFromText(ref);
  if (written !== undefined) return written;
  const named = lookup?.(ref);
  return named === undefined ? undefined : dpidFromText(named);
}

/** OpenFlow 1.3 physical ports go up to OFPP_MAX (0xffffff00). */
export const MAX_PORT_NO = 0xffffff00;
const PORT_NAME_RE = /^[\x21-\x7e]{1,64}$/;

/** A port name (printable, no spaces; OVS names fit in 15) or a port number 1..OFPP_MAX. */
export function canonicalPort(p: unknown): PortRef | undefined {
  if (typeof p === 'number') return Number.isInteger(p) && p >= 1 && p <= MAX_PORT_NO ? p : undefined;
  if (typeof p === 'string' && PORT_NAME_RE.test(p)) return p;
  return undefined;
}

export interface ParsedIp {
  version: 4 | 6;
  /** Canonical text form. */
  text: string;
  value: bigint;
}

/** A host address (no prefix), IPv4 or IPv6; rejects unspecified, loopback and multicast. */
export function parseHostIp(s: unknown): ParsedIp | undefined {
  if (typeof s !== 'string' || s.length > 64 || s.includes('/') || s.includes('%')) return undefined;
  try {
    if (Address4.isValid(s)) {
      const a = new Address4(s);
      const value = a.bigInt();
      if (value === 0n || a.isMulticast() || (value >> 24n) === 127n || value === 0xffffffffn) return undefined;
      return { version: 4, text: a.correctForm(), value };
    }
    if (Address6.isValid(s)) {
      const a = new Address6(s);
      const value = a.bigInt();
      if (value === 0n || value === 1n || a.isMulticast()) return undefined;
      return { version: 6, text: a.correctForm(), value };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export interface ParsedCidr {
  version: 4 | 6;
  text: string;
  prefix: number;
  first: bigint;
  last: bigint;
}

/** A network prefix "addr/len" whose host bits are zero. */
export function parseCidr(s: unknown): ParsedCidr | undefined {
  if (typeof s !== 'string' || s.length > 64) return undefined;
  const slash = s.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(s.slice(slash + 1))) return undefined;
  try {
    if (Address4.isValid(s)) {
      const a = new Address4(s);
      const start = a.startAddress();
      if (start.bigInt() !== a.bigInt() || a.subnetMask < 1) return undefined;
      return { version: 4, text: `${start.correctForm()}/${a.subnetMask}`, prefix: a.subnetMask, first: a.bigInt(), last: a.endAddress().bigInt() };
    }
    if (Address6.isValid(s)) {
      const a = new Address6(s);
      const start = a.startAddress();
      if (start.bigInt() !== a.bigInt() || a.subnetMask < 1) return undefined;
      return { version: 6, text: `${start.correctForm()}/${a.subnetMask}`, prefix: a.subnetMask, first: a.bigInt(), last: a.endAddress().bigInt() };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * True when the address is a usable host of the prefix: inside it, and for
 * IPv4 prefixes up to /30 neither the network nor the broadcast address.
 */
export function isHostOf(ip: ParsedIp, cidr: ParsedCidr): boolean {
  if (ip.version !== cidr.version || ip.value < cidr.first || ip.value > cidr.last) return false;
  if (ip.version === 4 && cidr.prefix <= 30 && (ip.value === cidr.first || ip.value === cidr.last)) return false;
  return true;
}
