// Packet-ins that are not discovery probes: ARP requests and IPv6 neighbour
// solicitations answered from the model (a packet-out back out of the in-port),
// and a migrating VM announcing itself at its destination (gratuitous ARP or
// RARP, as QEMU does after switch-over), which activates the destination with
// a store write so the move is durable and recompiles. The model is read
// through its address index, kept at the store's generation by the change
// feed: each answer costs the same whatever the size of the cloud.
import { AddressIndex, ingressPortKeys, LiveAddressIndex } from '../compiler/address-index.js';
import { answerArp, parseArp } from '../compiler/arp.js';
import { answerNd } from '../compiler/nd.js';
import type { Logger } from '../log.js';
import { migrationActivated } from '../model/index.js';
import { formatMacAt } from '../openflow/addr.js';
import { ETH_ARP, ETH_IPV6, ETH_LLDP, ETH_RARP, etherTypeOf } from '../openflow/ethernet.js';
import type { Store } from '../store/index.js';
import type { Dpid } from '../openflow/dpid.js';


export interface PacketInEvent {
  dpid: Dpid;
  inPort: number;
  data: Uint8Array;
}

export interface PacketInDeps {
  store: Pick<Store, 'snapshot' | 'apply' | 'onCommit'>;
  /** Sends a frame out of one port of a switch; false when the switch is gone. */
  sendPacketOut: (dpid: Dpid, portNo: number, frame: Buffer) => boolean;
  /** The port's name as the switch reports it, when known. */
  portName: (dpid: Dpid, portNo: number) => string | undefined;
  logger: Logger;
}

export type PacketInOutcome = 'ignored' | 'arp-answered' | 'nd-answered' | 'migration-activated' | 'dropped';


export class PacketInHandler {
  private readonly log: Logger;
  /** VMs whose activation write is under way (a VM announces itself several times). */
  private readonly activating = new Set<string>();
  private readonly addresses: LiveAddressIndex;
  readonly counters: Record<PacketInOutcome, number> = { ignored: 0, 'arp-answered': 0, 'nd-answered': 0, 'migration-activated': 0, dropped: 0 };

  constructor(private readonly deps: PacketInDeps) {
    this.log = deps.logger.child({ component: 'packet-in' });
    this.addresses = new LiveAddressIndex(deps.store);
  }

  /** Stops following the store. */
  stop(): void {
    this.addresses.stop();
  }

  handle(ev: PacketInEvent): PacketInOutcome {
    const outcome = this.classify(ev);
    this.counters[outcome]++;
    return outcome;
  }

  private classify(ev: PacketInEvent): PacketInOutcome {
    const type = etherTypeOf(ev.data);
    if (type === ETH_LLDP || type < 0) return 'ignored';
    const index = this.addresses.current();
    const portName = this.deps.portName(ev.dpid, ev.inPort);
    const ingress = portName !== undefined ? { dpid: ev.dpid, portNo: ev.inPort, portName } : { dpid: ev.dpid, portNo: ev.inPort };
    if (type === ETH_RARP) {
      return this.announce(index, ev, portName, formatMacAt(ev.data, 6)) ? 'migration-activated' : 'dropped';
    }
    if (type === ETH_ARP) {
      const arp = parseArp(ev.data);
      if (!arp) return 'dropped';
      // Gratuitous: sender and target address the same (request or reply).
      if (arp.spa === arp.tpa && arp.sha.toLowerCase() === arp.ethSrc.toLowerCase()) {
        return this.announce(index, ev, portName, arp.sha.toLowerCase()) ? 'migration-activated' : 'dropped';
      }
      const reply = answerArp(index, ingress, arp);
      if (!reply) return 'dropped';
      this.send(ev, reply);
      // winston formats a record before it drops it by level: ask first on this path.
      if (this.log.isDebugEnabled()) this.log.debug('ARP answered', { dpid: ev.dpid, port: ev.inPort, from: arp.sha, target: arp.tpa });
      return 'arp-answered';
    }
    if (type === ETH_IPV6) {
      const reply = answerNd(index, ingress, ev.data);
      if (!reply) return 'dropped';
      this.send(ev, reply);
      return 'nd-answered';
    }
    return 'dropped';
  }

  private send(ev: PacketInEvent, frame: Uint8Array): void {
    if (!this.deps.sendPacketOut(ev.dpid, ev.inPort, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength))) {
      this.log.debug('answer not sent: switch gone', { dpid: ev.dpid, port: ev.inPort });
    }
  }

  /** A migrating VM's MAC seen at its destination port: activate the destination (once). */
  private announce(index: AddressIndex, ev: PacketInEvent, portName: string | undefined, mac: string): boolean {
    const vm = index.arrivingAt(ev.dpid, ingressPortKeys(ev.inPort, portName), mac);
    if (!vm) return false;
    if (this.activating.has(vm.name)) return true;
    this.activating.add(vm.name);
    this.log.info('migrating VM announced itself at its destination; moving traffic', { vm: vm.name, mac, dpid: ev.dpid, port: ev.inPort });
    this.deps.store.apply((s) => migrationActivated(s, vm.name)).then(
      (r) => {
        this.activating.delete(vm.name);
        if (!r.ok) this.log.warn('migration activation refused', { vm: vm.name, error: r.error.code });
        else this.log.info('migration activated', { vm: vm.name, generation: r.generation });
      },
      (err: unknown) => {
        this.activating.delete(vm.name);
        this.log.error('migration activation not stored', { vm: vm.name, error: String(err) });
      },
    );
    return true;
  }
}
