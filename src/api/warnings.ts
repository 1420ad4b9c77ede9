// Input Spotlight accepts but that is probably not what the caller meant:
// the write goes through and the answer carries `warnings`, each with a code,
// the field and what to do. (Which questionable inputs are refused instead
// and which are warned about: src/api/README.md, "Questionable input".)
import { vmsOnNetwork, vmsOnPort } from '../model/membership.js';
import { gatewaysOnPort } from '../model/network-index.js';
import type { ModelChange, ModelSnapshot, PortRef } from '../model/types.js';

export interface InputWarning {
  code: 'no_interfaces' | 'port_is_name' | 'port_shared' | 'dhcp_server_absent' | 'migration_held';
  field: string;
  message: string;
}

/** Who is bound to a switch port: VMs and gateways, each through its map's port index. */
function boundTo(s: ModelSnapshot, sw: string, port: PortRef): string[] {
  return [...[...vmsOnPort(s.vms, sw, port)].map((name) => `vm ${name}`), ...gatewaysOnPort(s.networks, sw, port)];
}

/** `bound` says who is bound to a port (nobody: the port is not checked for sharing). */
function portWarnings(at: string, who: string, sw: string, port: PortRef, bound: (sw: string, port: PortRef) => string[], out: InputWarning[]): void {
  if (typeof port === 'string' && /^[0-9]+$/.test(port)) {
    out.push({ code: 'port_is_name', field: `${at}.port`, message: `${at}.port "${port}" is taken as a port name, not port number ${port}; send a port number as a JSON number` });
  }
  const others = [...new Set(bound(sw, port).filter((w) => w !== who))];
  if (others.length > 0) {
    out.push({ code: 'port_shared', field: `${at}.port`, message: `switch ${sw} port ${String(port)} is also bound to ${others.join(', ')}: frames from every MAC bound there are accepted on it` });
  }
}

export function inputWarnings(changes: readonly ModelChange[], s: ModelSnapshot): InputWarning[] {
  const out: InputWarning[] = [];
  const bound = (sw: string, port: PortRef): string[] => boundTo(s, sw, port);
  for (const c of changes) {
    if (c.kind === 'vm' && c.after) {
      const vm = c.after;
      if (vm.interfaces.length === 0) out.push({ code: 'no_interfaces', field: 'interfaces', message: `vm ${vm.name} has no interfaces: it sends and receives nothing until a vm-start lists some` });
      vm.interfaces.forEach((i, n) => portWarnings(`interfaces[${n}]`, `vm ${vm.name}`, i.switch, i.port, bound, out));
      if (vm.heldMigration) {
        const other = vm.heldMigration.askedBy === 'source' ? "the destination switches' agent" : "the agent of the VM's switches";
        out.push({ code: 'migration_held', field: 'interfaces', message: `the migration of vm ${vm.name} is held, nothing is programmed for it: it starts when ${other} calls migration-start naming the same switches` });
      }
      vm.migration?.destinations.forEach((d, n) => {
        if (typeof d.port === 'string' && /^[0-9]+$/.test(d.port)) portWarnings(`interfaces[${n}]`, `vm ${vm.name}`, d.switch, d.port, () => [], out);
      });
    }
    if (c.kind === 'network' && c.after) {
      const n = c.after;
      n.gateways.forEach((g, i) => portWarnings(`gateways[${i}]`, `gateway ${g.mac} of network ${n.name}`, g.switch, g.port, bound, out));
      if (n.dhcp) {
        const mac = n.dhcp.mac;
        const held = n.gateways.some((g) => g.mac === mac) || [...vmsOnNetwork(s.vms, n.name)].some((v) => s.vms.get(v)?.interfaces.some((i) => i.network === n.name && i.mac === mac));
        if (!held) {
          out.push({
            code: 'dhcp_server_absent',
            field: 'dhcp.mac',
            message: `dhcp.mac ${n.dhcp.mac} is held by no interface or gateway of network ${n.name} yet: DHCP requests are dropped until one with that MAC is bound`,
          });
        }
      }
    }
  }
  return out;
}
