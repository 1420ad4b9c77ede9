// The switches a written change names: where the VMs and gateways it adds,
// moves or removes are attached (and a migration's destinations). `?wait`
// counts them as touched even when the compiler has no flows for them yet,
// so that a switch that is not connected shows up as pending.
import type { ModelChange, ModelSnapshot, Network, Vm } from '../model/types.js';

function vmSwitches(vm: Vm | undefined, out: Set<string>): void {
  for (const i of vm?.interfaces ?? []) out.add(i.switch);
  for (const d of vm?.migration?.destinations ?? []) out.add(d.switch);
}

function networkSwitches(n: Network | undefined, out: Set<string>): void {
  for (const g of n?.gateways ?? []) out.add(g.switch);
}

export function switchesNamed(changes: readonly ModelChange[], after: ModelSnapshot): string[] {
  const out = new Set<string>();
  for (const c of changes) {
    if (c.kind === 'vm') {
      vmSwitches(c.before, out);
      vmSwitches(c.after, out);
    } else if (c.kind === 'network') {
      networkSwitches(c.before, out);
      networkSwitches(c.after, out);
    } else {
      for (const r of [c.before, c.after]) for (const vm of r?.vms ?? []) vmSwitches(after.vms.get(vm), out);
    }
  }
  return [...out].sort();
}
