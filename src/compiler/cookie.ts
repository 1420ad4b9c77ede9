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

const MASK40 = (1n << 40n) - 1n;
const TWO32 = 2 ** 32;

/**
 * 64-bit FNV-1a of the UTF-8 bytes of `text`, in two 32-bit halves held in
 * numbers (a bigint per byte made this the compiler's most allocating
 * function). The prime is 2^40 + 0x1b3: h * prime = (h << 40) + h * 0x1b3,
 * and each half times 0x1b3 stays below 2^41, exact in a double.
 */
export function fnv1a64(text: string): bigint {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const step = (byte: number): void => {
    lo = (lo ^ byte) >>> 0;
    const low = lo * 0x1b3;
    const carry = Math.floor(low / TWO32);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % TWO32;
    lo = low % TWO32;
  };
  let ascii = true;
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
  if (ascii) for (let i = 0; i < text.length; i++) step(text.charCodeAt(i));
  else for (const b of Buffer.from(text, 'utf8')) step(b);
  return (BigInt(hi) << 32n) | BigInt(lo);
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
