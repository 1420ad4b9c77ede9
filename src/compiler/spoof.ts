// Spoof attempts from the switches' own counters: which of the flows a switch
// reports are the compiler's anti-spoofing drops. Frames whose source MAC is
// not bound to their port, or whose addresses are not the VM's own, end in
// drop flows, and every flow counts the packets it matched:
// - OpenFlow 1.0: one port-guard flow per access port (in_port=P, no actions):
//   a per-port count.
// - OpenFlow 1.3: the table-miss drops of the port-security and
//   address-security tables: per switch only, since those misses match no port.
import { OFP10_VERSION, type OfVersion } from '../openflow/wire-values.js';
import { type FlowStats } from '../openflow/stats-model.js';
import { P10 } from './priorities.js';
import { tableOf } from './pipeline.js';

export interface SpoofCount {
  port: number | 'any';
  stage: string;
  packets: bigint;
}

const dropsNothing = (f: FlowStats): boolean =>
  f.instructions.every((i) => i.type === 'applyActions' && i.actions.length === 0) || f.instructions.length === 0;

export function spoofCounts(version: OfVersion, flows: readonly FlowStats[]): SpoofCount[] {
  const out: SpoofCount[] = [];
  if (version === OFP10_VERSION) {
    for (const f of flows) {
      const keys = Object.keys(f.match).filter((k) => f.match[k as keyof typeof f.match] !== undefined);
      if (f.priority === P10.portGuard && keys.length === 1 && f.match.inPort !== undefined && dropsNothing(f)) {
        out.push({ port: f.match.inPort, stage: 'port-guard', packets: f.packetCount });
      }
    }
    return out;
  }
  const tables = new Map([
    [tableOf('port-security'), 'port-security'],
    [tableOf('address-security'), 'address-security'],
  ]);
  for (const f of flows) {
    const stage = tables.get(f.tableId);
    const empty = Object.values(f.match).every((v) => v === undefined);
    if (stage && f.priority === 0 && empty && dropsNothing(f)) out.push({ port: 'any', stage, packets: f.packetCount });
  }
  return out;
}
