// How model records are shown by the reads.
import type { ModelSnapshot, Network } from '../../model/types.js';

export function networkView(s: ModelSnapshot, n: Network): Network & { vms: string[] } {
  const vms: string[] = [];
  for (const vm of s.vms.values()) if (vm.interfaces.some((i) => i.network === n.name)) vms.push(vm.name);
  return { ...n, vms };
}
