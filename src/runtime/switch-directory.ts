// GET /v1/switches: every switch the topology knows (connected or described)
// or the reconciler serves, with its negotiated version, ports, installed
// and desired flow counts, table entries used against its budget, realized
// generation, name and role from the described fabric, the packet-ins it
// has sent, and on OF1.3 its groups: what it reported it holds against
// what Spotlight has it hold.
import type { Dpid } from '../openflow/dpid.js';
import { OFPGT } from '../openflow/of13/constants.js';
import type { GroupFeatures } from '../openflow/stats-model.js';
import { OFP10_VERSION, OFP13_VERSION, versionName } from '../openflow/wire-values.js';
import type { GroupTypeName, SwitchDirectory, SwitchGroupsInfo, SwitchInfo, SwitchTableInfo } from '../api/deps.js';
import type { TableUse } from '../budget/table-budgets.js';
import type { GroupCounts, SwitchReconcileStatus } from '../reconcile/manager.js';
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
  /** The OFPMP_GROUP_FEATURES reply of a connected OF1.3 switch, undefined when it gave none. */
  groupFeatures?: (dpid: Dpid) => GroupFeatures | undefined;
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
        const version = negotiated ?? sw?.version;
        return {
          dpid,
          version: versionText(version),
          connected: negotiated !== undefined,
          ports: sw ? [...sw.ports.values()].sort((a, b) => a.portNo - b.portNo).map((p) => ({ number: p.portNo, name: p.name, up: p.up })) : [],
          flowCount: r?.installedFlows ?? 0,
          realizedGeneration: r?.realizedGeneration ?? null,
          ...(sw?.name ? { name: sw.name } : {}),
          ...(sw?.role ? { role: sw.role } : {}),
          desiredFlows: r?.desiredFlows ?? 0,
          packetIns: src.packetIns?.(dpid) ?? 0,
          ...(src.tableUse ? { table: tableInfo(src.tableUse(dpid)) } : {}),
          ...(src.groupFeatures ? { groups: version === OFP13_VERSION ? groupsInfo(negotiated !== undefined ? src.groupFeatures(dpid) : undefined, r?.desiredGroups) : null } : {}),
        };
      });
    },
  };
}

function tableInfo(u: TableUse): SwitchTableInfo {
  return { used: u.used, budget: u.budget ?? null, configured: u.configured ?? null, capacity: u.capacity ?? null, unit: u.unit };
}

/** The API's name of each OFPGT_* type, and the reconciler's (flow-model GroupType). */
const TYPES: readonly { name: GroupTypeName; ofpgt: number; counted: keyof GroupCounts }[] = [
  { name: 'all', ofpgt: OFPGT.all, counted: 'all' },
  { name: 'select', ofpgt: OFPGT.select, counted: 'select' },
  { name: 'indirect', ofpgt: OFPGT.indirect, counted: 'indirect' },
  { name: 'fastFailover', ofpgt: OFPGT.ff, counted: 'ff' },
];

/** An OF1.3 switch's group features (undefined: none reported) beside the groups of its desired state. */
export function groupsInfo(f: GroupFeatures | undefined, inUse: GroupCounts | undefined): SwitchGroupsInfo {
  const types = {} as SwitchGroupsInfo['types'];
  for (const t of TYPES) {
    const supported = f ? (f.types & (1 << t.ofpgt)) !== 0 : null;
    types[t.name] = { supported, maxGroups: f ? (supported ? f.maxGroups[t.ofpgt]! : 0) : null, inUse: inUse?.[t.counted] ?? 0 };
  }
  return { reported: f !== undefined, types };
}
