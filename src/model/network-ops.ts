// Network writes: create or replace a network, delete it.
import { modelError, type ModelError } from './errors.js';
import { NetworkHolders } from './holders.js';
import { SWITCH_FORMS, switchDpid, canonicalMac, canonicalPort, fabricMacMessage, isFabricMac, isValidName, parseCidr, type ParsedCidr } from './ident.js';
import { vmsOnNetwork } from './membership.js';
import { sameRecord, type GatewayInput, type NetworkInput, type OpContext, type OpResult } from './result.js';
import { lowestFreeSegment, networksWith, networksWithout } from './network-index.js';
import { MAX_SEGMENT } from './segments.js';
import type { DhcpServer, Gateway, ModelSnapshot, Network } from './types.js';

/** Creates or replaces a network. The segment of an existing network is kept. */
export function putNetwork(s: ModelSnapshot, name: string, input: NetworkInput, ctx: OpContext = {}): OpResult {
  if (!isValidName(name)) return fail(modelError('invalid_name', 'network name must be 1-128 letters, digits or ._:@+-', 'network'));
  if (!isValidName(input.tenant)) return fail(modelError('invalid_name', 'tenant must be 1-128 letters, digits or ._:@+-', 'tenant'));
  if (input.kind !== 'private' && input.kind !== 'public') {
    return fail(modelError('invalid_kind', 'kind must be "private" or "public"', 'kind'));
  }
  const cidrs = parseCidrs(input.cidrs ?? []);
  if ('error' in cidrs) return fail(cidrs.error);
  const holders = new NetworkHolders(cidrs.parsed);
  // Attached interfaces first, so a clash is reported on the field of this request.
  const attachedError = claimAttached(s, name, input, holders);
  if (attachedError) return fail(attachedError);
  const dhcp = input.dhcp === undefined ? { server: undefined } : dhcpServer(input.dhcp, holders);
  if ('error' in dhcp) return fail(dhcp.error);
  const gateways = claimGateways(input.gateways ?? [], holders, ctx);
  if ('error' in gateways) return fail(gateways.error);

  const before = s.networks.get(name);
  const segment = before?.segment ?? lowestFreeSegment(s.networks);
  if (segment === undefined) return fail(modelError('segments_exhausted', `all ${MAX_SEGMENT.toLocaleString('en-US')} network segments are in use`, 'network'));

  const after: Network = { name, tenant: input.tenant, kind: input.kind, cidrs: cidrs.parsed.map((c) => c.text), gateways: gateways.claimed, segment };
  if (dhcp.server) after.dhcp = dhcp.server;
  if (before && sameRecord(before, after)) return { ok: true, snapshot: s, changes: [] };

  const networks = networksWith(s.networks, name, after);
  const change = before ? { kind: 'network' as const, id: name, before, after } : { kind: 'network' as const, id: name, after };
  return { ok: true, snapshot: { ...s, networks }, changes: [change] };
}

/** The network's prefixes, none overlapping another. */
function parseCidrs(raw: readonly string[]): { parsed: ParsedCidr[] } | { error: ModelError } {
  const parsed: ParsedCidr[] = [];
  for (const [i, text] of raw.entries()) {
    const c = parseCidr(text);
    if (!c) return { error: modelError('invalid_cidr', `cidrs[${i}] ${JSON.stringify(text)} is not a network prefix: expected ADDRESS/LENGTH with the host bits zero, such as 10.1.0.0/24 or 2001:db8::/64`, `cidrs[${i}]`) };
    const clash = parsed.find((o) => o.version === c.version && o.first <= c.last && c.first <= o.last);
    if (clash) return { error: modelError('cidr_overlap', `cidrs[${i}] ${c.text} overlaps ${clash.text}`, `cidrs[${i}]`) };
    parsed.push(c);
  }
  return { parsed };
}

/** Claims the MACs and IPs of the interfaces attached to network `name` under its new settings; the first that no longer fits. */
function claimAttached(s: ModelSnapshot, name: string, input: NetworkInput, holders: NetworkHolders): ModelError | undefined {
  for (const vmName of vmsOnNetwork(s.vms, name)) {
    const vm = s.vms.get(vmName)!;
    for (const [i, itf] of vm.interfaces.entries()) {
      if (itf.network !== name) continue;
      const holder = `vm ${vm.name} interface ${i}`;
      if (input.kind === 'private' && vm.tenant !== input.tenant) {
        return modelError('tenant_mismatch', `private network of tenant ${input.tenant} has vm ${vm.name} of tenant ${vm.tenant} attached`, 'tenant');
      }
      holders.claimMac(itf.mac, holder, '');
      for (const ip of itf.ips) {
        const r = holders.claimIp(ip, holder, 'cidrs');
        if (typeof r !== 'string') return modelError(r.code, `${r.message} (attached ${holder})`, 'cidrs');
      }
    }
  }
  return undefined;
}

/**
 * The DHCP server's designation. Not a holder: the interface or gateway with
 * this MAC (now or later) is the server, by MAC alone; the ip is informative,
 * checked only against the cidrs, and need not be held by that endpoint.
 */
function dhcpServer(input: { mac: string; ip: string }, holders: NetworkHolders): { server: DhcpServer } | { error: ModelError } {
  const mac = canonicalMac(input.mac);
  if (!mac) return { error: modelError('invalid_mac', 'dhcp.mac must be a unicast MAC aa:bb:cc:dd:ee:ff', 'dhcp.mac') };
  if (isFabricMac(mac)) return { error: modelError('invalid_mac', fabricMacMessage('dhcp.mac', mac), 'dhcp.mac') };
  const ip = holders.checkIp(input.ip, 'dhcp.ip');
  if (typeof ip !== 'string') return { error: ip };
  return { server: { mac, ip } };
}

/** The gateways, each MAC and IP claimed in turn. */
function claimGateways(input: readonly GatewayInput[], holders: NetworkHolders, ctx: OpContext): { claimed: Gateway[] } | { error: ModelError } {
  const claimed: Gateway[] = [];
  for (const [i, gw] of input.entries()) {
    const f = `gateways[${i}]`;
    const mac = canonicalMac(gw.mac);
    if (!mac) return { error: modelError('invalid_mac', `${f}.mac must be a unicast MAC aa:bb:cc:dd:ee:ff`, `${f}.mac`) };
    if (isFabricMac(mac)) return { error: modelError('invalid_mac', fabricMacMessage(`${f}.mac`, mac), `${f}.mac`) };
    const macErr = holders.claimMac(mac, `gateway ${i}`, `${f}.mac`);
    if (macErr) return { error: macErr };
    const ips: string[] = [];
    for (const [j, raw] of (gw.ips ?? []).entries()) {
      const ip = holders.claimIp(raw, `gateway ${i}`, `${f}.ips[${j}]`);
      if (typeof ip !== 'string') return { error: ip };
      ips.push(ip);
    }
    const sw = switchDpid(gw.switch, ctx.lookupSwitch);
    if (!sw) return { error: modelError('invalid_switch', `${f}.switch ${JSON.stringify(gw.switch)} names no switch: write ${SWITCH_FORMS}`, `${f}.switch`) };
    const port = canonicalPort(gw.port);
    if (port === undefined) return { error: modelError('invalid_port', `${f}.port must be a port name or number`, `${f}.port`) };
    claimed.push({ mac, ips, switch: sw, port });
  }
  return { claimed };
}

/** Deletes a network; 409 while VMs are attached. Deleting an absent network changes nothing. */
export function deleteNetwork(s: ModelSnapshot, name: string): OpResult {
  if (!isValidName(name)) return fail(modelError('invalid_name', 'network name must be 1-128 letters, digits or ._:@+-', 'network'));
  const before = s.networks.get(name);
  if (!before) return { ok: true, snapshot: s, changes: [] };
  const attached = vmsOnNetwork(s.vms, name);
  if (attached.size > 0) {
    const first = [...attached][0]!;
    return fail(modelError('network_in_use', `vm ${first} is attached to network ${name}`, 'network'));
  }
  const networks = networksWithout(s.networks, name);
  return { ok: true, snapshot: { ...s, networks }, changes: [{ kind: 'network', id: name, before }] };
}

function fail(error: ModelError): OpResult {
  return { ok: false, error };
}
