// Who holds which MAC and IP inside one network: the gateways and the
// interfaces of attached VMs. A MAC or IP has one holder. The network's
// `dhcp` only designates which of those endpoints is the DHCP server, so it
// holds nothing itself.
import { modelError, type ModelError } from './errors.js';
import { isHostOf, parseCidr, parseHostIp, type ParsedCidr } from './ident.js';
import { holderIn } from './membership.js';
import type { ModelSnapshot, Network } from './types.js';

/** Who already holds a MAC or IP (canonical text) before any claim made here. */
export type StoredHolder = (address: string) => string | undefined;

export class NetworkHolders {
  private readonly macs = new Map<string, string>();
  private readonly ips = new Map<string, string>();

  constructor(
    private readonly cidrs: readonly ParsedCidr[],
    private readonly stored: StoredHolder = () => undefined,
  ) {}

  /** Claims a MAC for `holder`; 409 mac_in_use when another holder has it. */
  claimMac(mac: string, holder: string, field: string): ModelError | undefined {
    const other = this.macs.get(mac) ?? this.stored(mac);
    if (other !== undefined) return modelError('mac_in_use', `MAC ${mac} is already held by ${other}`, field);
    this.macs.set(mac, holder);
    return undefined;
  }

  /** Parses and range-checks an IP without claiming it; returns its canonical form or the error. */
  checkIp(raw: unknown, field: string): string | ModelError {
    const ip = parseHostIp(raw);
    if (!ip) return modelError('invalid_ip', `${field} ${JSON.stringify(raw)} is not a host IPv4 or IPv6 address (unspecified, loopback, broadcast and multicast addresses are refused)`, field);
    if (this.cidrs.length > 0 && !this.cidrs.some((c) => isHostOf(ip, c))) {
      return modelError('ip_outside_cidrs', `${ip.text} is not a host address of the network's cidrs`, field);
    }
    return ip.text;
  }

  /** Parses, range-checks and claims an IP; returns its canonical form or the error. */
  claimIp(raw: unknown, holder: string, field: string): string | ModelError {
    const ip = this.checkIp(raw, field);
    if (typeof ip !== 'string') return ip;
    const other = this.ips.get(ip) ?? this.stored(ip);
    if (other !== undefined) return modelError('ip_in_use', `IP ${ip} is already held by ${other}`, field);
    this.ips.set(ip, holder);
    return ip;
  }
}

/** The cidrs of a stored network, parsed (stored ones are canonical). */
export function storedCidrs(net: Network): ParsedCidr[] {
  return net.cidrs.map(parseCidr).filter((c): c is ParsedCidr => c !== undefined);
}

/**
 * Holders of a network's MACs and IPs: its gateways, then every attached
 * interface except those of `excludeVm`, looked up in the VM map's index
 * (nothing is read until asked). Stored data is already consistent, so the
 * gateways' claims here cannot fail.
 */
export function holdersOf(snapshot: ModelSnapshot, net: Network, excludeVm?: string): NetworkHolders {
  const excluded = excludeVm === undefined ? undefined : `vm ${excludeVm} interface `;
  const h = new NetworkHolders(storedCidrs(net), (address) => {
    const holder = holderIn(snapshot.vms, net.name, address);
    return holder !== undefined && excluded !== undefined && holder.startsWith(excluded) ? undefined : holder;
  });
  addNetworkItself(h, net);
  return h;
}

function addNetworkItself(h: NetworkHolders, net: Network): void {
  for (const [i, gw] of net.gateways.entries()) {
    h.claimMac(gw.mac, `network ${net.name} gateway ${i}`, '');
    for (const ip of gw.ips) h.claimIp(ip, `network ${net.name} gateway ${i}`, '');
  }
}
