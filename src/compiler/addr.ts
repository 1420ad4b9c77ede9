// Small address helpers the compiler needs: address family, canonical IPv6
// text (RFC 5952) and the EUI-64 link-local address of a MAC.
export function isIpv6(ip: string): boolean {
  return ip.includes(':');
}

/** Eight 16-bit groups, or null when the text is not IPv6 (IPv4 tail accepted). */
export function parseIpv6(text: string): number[] | null {
  let s = text.toLowerCase();
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    s = s.slice(0, lastColon + 1) + (((v4[0]! << 8) | v4[1]!).toString(16)) + ':' + (((v4[2]! << 8) | v4[3]!).toString(16));
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = part(halves[0]!);
  if (!head) return null;
  if (halves.length === 1) {
    return head.length === 8 ? head : null;
  }
  const rest = part(halves[1]!);
  if (!rest) return null;
  const known = head.length + rest.length;
  if (known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest];
}

export function formatIpv6(g: number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return hex.slice(0, bestAt).join(':') + '::' + hex.slice(bestAt + bestLen).join(':');
}

export function canonicalIpv6(text: string): string {
  const g = parseIpv6(text);
  return g ? formatIpv6(g) : text.toLowerCase();
}

export function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

export function macBytes(mac: string): number[] {
  return mac.split(':').map((h) => parseInt(h, 16));
}

/** fe80::/64 with the modified EUI-64 interface id of `mac` (RFC 4291 appendix A). */
export function linkLocalOf(mac: string): string {
  const b = macBytes(mac);
  return formatIpv6([0xfe80, 0, 0, 0, ((b[0]! ^ 0x02) << 8) | b[1]!, (b[2]! << 8) | 0xff, (0xfe << 8) | b[3]!, (b[4]! << 8) | b[5]!]);
}
