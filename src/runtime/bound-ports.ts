// Which switch ports have an endpoint of the model bound to them: a VM
// interface, a migration destination, or a network's gateway. Discovery reads
// it so that a port with a VM behind it never becomes a fabric port, whatever
// probes arrive there. Kept up to date from the store's change feed; each
// commit reports the ports it bound or unbound.
import type { Network, Vm } from '../model/types.js';
import type { Store } from '../store/index.js';
import type { Dpid } from '../openflow/dpid.js';
import type { BoundPorts, PortRefOnSwitch } from '../topo/types.js';

/** Endpoints per port reference of one switch: numbers and names kept apart. */
interface SwitchBindings {
  numbers: Map<number, number>;
  names: Map<string, number>;
}

function vmPorts(vm: Vm | undefined): PortRefOnSwitch[] {
  if (!vm) return [];
  const out = vm.interfaces.map((i) => ({ dpid: i.switch, port: i.port }));
  for (const d of vm.migration?.destinations ?? []) out.push({ dpid: d.switch, port: d.port });
  return out;
}

function gatewayPorts(net: Network | undefined): PortRefOnSwitch[] {
  return (net?.gateways ?? []).map((g) => ({ dpid: g.switch, port: g.port }));
}

export class ModelBoundPorts implements BoundPorts {
  private readonly bySwitch = new Map<Dpid, SwitchBindings>();
  private readonly listeners = new Set<(ports: readonly PortRefOnSwitch[]) => void>();
  private readonly unsubscribe: () => void;

  constructor(store: Pick<Store, 'snapshot' | 'onCommit'>) {
    const s = store.snapshot();
    for (const vm of s.vms.values()) for (const p of vmPorts(vm)) this.add(p, 1);
    for (const net of s.networks.values()) for (const p of gatewayPorts(net)) this.add(p, 1);
    this.unsubscribe = store.onCommit((commit) => {
      const touched: PortRefOnSwitch[] = [];
      for (const c of commit.changes) {
        const [before, after] =
          c.kind === 'vm' ? [vmPorts(c.before), vmPorts(c.after)] : c.kind === 'network' ? [gatewayPorts(c.before), gatewayPorts(c.after)] : [[], []];
        for (const p of after) this.add(p, 1);
        for (const p of before) this.add(p, -1);
        touched.push(...before, ...after);
      }
      if (touched.length === 0) return;
      for (const l of this.listeners) l(touched);
    });
  }

  isBound(dpid: Dpid, portNo: number, name: string): boolean {
    const b = this.bySwitch.get(dpid);
    return b !== undefined && (b.numbers.has(portNo) || b.names.has(name));
  }

  onChange(listener: (ports: readonly PortRefOnSwitch[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Switches with at least one bound port (tests). */
  get switchCount(): number {
    return this.bySwitch.size;
  }

  stop(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private add(ref: PortRefOnSwitch, delta: 1 | -1): void {
    let b = this.bySwitch.get(ref.dpid);
    if (!b) {
      if (delta < 0) return;
      b = { numbers: new Map(), names: new Map() };
      this.bySwitch.set(ref.dpid, b);
    }
    const counts: Map<number | string, number> = typeof ref.port === 'number' ? b.numbers : b.names;
    const n = (counts.get(ref.port) ?? 0) + delta;
    if (n > 0) counts.set(ref.port, n);
    else counts.delete(ref.port);
    if (b.numbers.size === 0 && b.names.size === 0) this.bySwitch.delete(ref.dpid);
  }
}
