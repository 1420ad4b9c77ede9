// The ports a switch reported: the handshake's, then each PORT_STATUS. Bounded:
// a switch inventing ports grows neither this table nor anything keyed by its ports.
import { PortReason, type PortStatus } from '../openflow/message-model.js';
import type { PortDesc } from '../openflow/stats-model.js';

export class PortTable {
  private readonly byNo = new Map<number, PortDesc>();

  constructor(private readonly maxPorts: number) {}

  get size(): number {
    return this.byNo.size;
  }

  /** In port-number order. */
  list(): PortDesc[] {
    return [...this.byNo.values()].sort((a, b) => a.portNo - b.portNo);
  }

  /** The handshake's port descriptions: the first maxPorts of them. */
  addReported(ports: readonly PortDesc[]): void {
    for (const p of ports.slice(0, this.maxPorts)) this.byNo.set(p.portNo, p);
  }

  /** A PORT_STATUS; false when it would add a port beyond the limit (it is then ignored). */
  apply(msg: PortStatus): boolean {
    if (msg.reason === PortReason.DELETE) this.byNo.delete(msg.desc.portNo);
    else if (this.byNo.has(msg.desc.portNo) || this.byNo.size < this.maxPorts) this.byNo.set(msg.desc.portNo, msg.desc);
    else return false;
    return true;
  }
}
