// Network writes: create or replace a network, delete it.
import { modelError, type ModelError } from './errors.js';
import { NetworkHolders } from './holders.js';
import { SWITCH_FORMS, switchDpid, canonicalMac, canonicalPort, fabricMacMessage, isFabricMac, isValidName, parseCidr, type ParsedCidr } from './ident.js';
import { vmsOnNetwork } from './membership.js';
import { sameRecord, type NetworkInput, type OpContext, type OpResult } from './result.js';
import { lowestFreeSegment, MAX_SEGMENT, networksWith, networksWithout } from './segments.js';
import type { DhcpServer, Gateway, ModelSnapshot, Network } from './types.js';

/** Creates or replaces a network. The segment of an existing network is kept. */
export function putNetwork(s: ModelSnapshot, name: string, input: NetworkInput, ctx: OpContext = {}): OpResult {
  if (!isValidName(name)) return fail(modelError('invalid_name', 'network name must be 1-128 letters, digits or ._:@+-', 'network'));
  if (!isValidName(input.tenant)) return fail(modelError('invalid_name', 'tenant must be 1-128 letters, digits or ._:@+-', 'tenant'));
  if (input.kind !== 'private' && input.kind !== 'public') {
    return fail(modelError('invalid_kind', 'kind must be "private" or "public"', 'kind'));
  }

  const cidrs: ParsedCidr[] = [];
  for (const [i, raw] of (input.cidrs ?? []).entries()) {
    const c = parseCidr(raw);
    if (!c) return fail(modelError('invalid_cidr', `cidrs[${i}] ${JSON.stringify(raw)} is not a network prefix: expected ADDRESS/LENGTH with the host bits zero, such as 10.1.0.0/24 or 2001:db8::/64`, `cidrs[${i}]`));
    const clash = cidrs.find((o) => o.version === c.version && o.first <= c.last && c.first <= o.last);
    if (clash) return fail(modelError('cidr_overlap', `cidrs[${i}] ${c.text} overlaps ${clash.text}`, `cidrs[${i}]`));
    cidrs.push(c);
  }

  const before = s.networks.get(name);
  const holders = new NetworkHolders(cidrs);
  // Attached interfaces first, so a clash is reported on the field of this request.
  for (const vmName of vmsOnNetwork(s.vms, name)) {
    const vm = s.vms.get(vmName)!;
    for (const [i, itf] of vm.interfaces.entries()) {
      if (itf.network !== name) continue;
      const holder = `vm ${vm.name} interface ${i}`;
      if (input.kind === 'private' && vm.tenant !== input.tenant) {
        return fail(modelError('tenant_mismatch', `private network of tenant ${input.tenant} has vm ${vm.name} of tenant ${vm.tenant} attached`, 'tenant'));
      }
      holders.claimMac(itf.mac, holder, '');
      for (const ip of itf.ips) {
        const r = holders.claimIp(ip, holder, 'cidrs');
        if (typeof r !== 'string') return fail(modelError(r.code, `${r.message} (attached ${holder})`, 'cidrs'));
      }
    }
  }

  let dhcp: DhcpServer | undefined;
  if (input.dhcp !== undefined) {
    const mac = canonicalMac(input.dhcp.mac);
    if (!mac) return fail(modelError('invalid_mac', 'dhcp.mac must be a unicast MAC aa:bb:cc:dd:ee:ff', 'dhcp.mac'));
    if (isFabricMac(mac)) return fail(modelError('invalid_mac', fabricMacMessage('dhcp.mac', mac), 'dhcp.mac'));
    // A designation, not a holder: the interface or gateway with this MAC (now
    // or later) is the server, by MAC alone; the ip is informative, checked
    // only against the cidrs, and need not be held by that endpoint.
    const ip = holders.checkIp(input.dhcp.ip, 'dhcp.ip');
    if (typeof ip !== 'string') return fail(ip);
    dhcp = { mac, ip };
  }

  const gateways: Gateway[] = [];
  for (const [i, gw] of (input.gateways ?? []).entries()) {
    const f = `gateways[${i}]`;
    const mac = canonicalMac(gw.mac);
    if (!mac) return fail(modelError('invalid_mac', `${f}.mac must be a unicast MAC aa:bb:cc:dd:ee:ff`, `${f}.mac`));
    if (isFabricMac(mac)) return fail(modelError('invalid_mac', fabricMacMessage(`${f}.mac`, mac), `${f}.mac`));
    const macErr = holders.claimMac(mac, `gateway ${i}`, `${f}.mac`);
    if (macErr) return fail(macErr);
    const ips: string[] = [];
    for (const [j, raw] of (gw.ips ?? []).entries()) {
      const ip = holders.claimIp(raw, `gateway ${i}`, `${f}.ips[${j}]`);
      if (typeof ip !== 'string') return fail(ip);
      ips.push(ip);
    }
    const sw = switchDpid(gw.switch, ctx.lookupSwitch);
    if (!sw) return fail(modelError('invalid_switch', `${f}.switch ${JSON.stringify(gw.switch)} names no switch: write ${SWITCH_FORMS}`, `${f}.switch`));
    const port = canonicalPort(gw.port);
    if (port === undefined) return fail(modelError('invalid_port', `${f}.port must be a port name or number`, `${f}.port`));
    gateways.push({ mac, ips, switch: sw, port });
  }

  let segment = before?.segment;
  if (segment === undefined) {
    segment = lowestFreeSegment(s.networks);
    if (segment === undefined) return fail(modelError('segments_exhausted', `all ${MAX_SEGMENT.toLocaleString('en-US')} network segments are in use`, 'network'));
  }

  const after: Network = { name, tenant: input.tenant, kind: input.kind, cidrs: cidrs.map((c) => c.text), gateways, segment };
  if (dhcp) after.dhcp = dhcp;
  if (before && sameRecord(before, after)) return { ok: true, snapshot: s, changes: [] };

  const networks = networksWith(s.networks, name, after);
  const change = before ? { kind: 'network' as const, id: name, before, after } : { kind: 'network' as const, id: name, after };
  return { ok: true, snapshot: { ...s, networks }, changes: [change] };
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
