// GET /v1/switches: every switch the topology knows (connected or described)
// or the reconciler serves, with its negotiated version, ports, installed
// and desired flow counts, table entries used against its budget, realized
// generation, name and role from the described fabric, and the packet-ins
// it has sent.
import type { Dpid } from '../openflow/dpid.js';
import { OFP10_VERSION, OFP13_VERSION, versionName } from '../openflow/wire-values.js';
import type { SwitchDirectory, SwitchInfo, SwitchTableInfo } from '../api/deps.js';
import type { TableUse } from '../budget/table-budgets.js';
import type { SwitchReconcileStatus } from '../reconcile/manager.js';
import type { TopologySnapshot } from '../topo/types.js';

export interface SwitchDirectorySources {
  topology: () => TopologySnapshot;
  /** Negotiated version of a connected switch. */
  connectedVersion: (dpid: Dpid) => number | undefined;
  reconcile: () => SwitchReconcileStatus[];
  /** Packet-ins received from the switch so far. */
  packetIns?: (dpid: Dpid) => number;
  /** Table entries the compiled state takes on the switch, against its budget. */
  tableUse?: (dpid: Dpid) => TableUse;
}

const versionText = (v: number | undefined): string | null => (v === OFP13_VERSION || v === OFP10_VERSION ? versionName(v) : null);

export function switchDirectory(src: SwitchDirectorySources): SwitchDirectory {
  return {
    list(): SwitchInfo[] {
      const snap = src.topology();
      const rec = new Map(src.reconcile().map((s) => [s.dpid, s]));
      const dpids = new Set<Dpid>([...snap.switches.keys(), ...rec.keys()]);
      return [...dpids].sort().map((dpid) => {
        const sw = snap.switches.get(dpid);
        const r = rec.get(dpid);
        const negotiated = src.connectedVersion(dpid);
        return {
          dpid,
          version: versionText(negotiated ?? sw?.version),
          connected: negotiated !== undefined,
          ports: sw ? [...sw.ports.values()].sort((a, b) => a.portNo - b.portNo).map((p) => ({ number: p.portNo, name: p.name, up: p.up })) : [],
          flowCount: r?.installedFlows ?? 0,
          realizedGeneration: r?.realizedGeneration ?? null,
          ...(sw?.name ? { name: sw.name } : {}),
          ...(sw?.role ? { role: sw.role } : {}),
          desiredFlows: r?.desiredFlows ?? 0,
          packetIns: src.packetIns?.(dpid) ?? 0,
          ...(src.tableUse ? { table: tableInfo(src.tableUse(dpid)) } : {}),
        };
      });
    },
  };
}

function tableInfo(u: TableUse): SwitchTableInfo {
  return { used: u.used, budget: u.budget ?? null, configured: u.configured ?? null, capacity: u.capacity ?? null, unit: u.unit };
}
