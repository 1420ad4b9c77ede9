// Cookie layout (64 bits), so the reconciler can tell Spotlight's flows from
// others' with one cookie mask and trace a flow back to the object behind it:
//   bits 63..48  0x5370, Spotlight's tag
//   bits 47..40  kind of object (CookieKind)
//   bits 39..0   FNV-1a hash of the object's id, folded to 40 bits
export const COOKIE_TAG = 0x5370n;
export const COOKIE_TAG_MASK = 0xffff_0000_0000_0000n;
export const COOKIE_TAG_VALUE = COOKIE_TAG << 48n;

export const CookieKind = {
  /** Per-switch plumbing: fabric ports, port guards, table-miss drops. */
  switch: 1,
  /** Per-network flows: fabric ingress, forwarding, broadcast, DHCP. */
  network: 2,
  /** A VM interface: port and address security, its reach flows. */
  iface: 3,
  /** A network gateway. */
  gateway: 4,
} as const;
export type CookieKindName = keyof typeof CookieKind;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;
const MASK40 = (1n << 40n) - 1n;

function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= BigInt(b);
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}

const cache = new Map<string, bigint>();

export function cookieFor(kind: CookieKindName, id: string): bigint {
  const key = `${kind}\0${id}`;
  let c = cache.get(key);
  if (c === undefined) {
    const h = fnv1a64(id);
    c = COOKIE_TAG_VALUE | (BigInt(CookieKind[kind]) << 40n) | ((h ^ (h >> 40n)) & MASK40);
    if (cache.size > 200_000) cache.clear();
    cache.set(key, c);
  }
  return c;
}

export function isSpotlightCookie(cookie: bigint): boolean {
  return (cookie & COOKIE_TAG_MASK) === COOKIE_TAG_VALUE;
}

export function cookieKind(cookie: bigint): number {
  return Number((cookie >> 40n) & 0xffn);
}
