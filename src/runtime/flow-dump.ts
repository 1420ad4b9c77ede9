// SwitchDirectory.dumpFlows over the switch listener: every flow of every
// table, read with a flow-stats request, shown as ovs-ofctl would.
import type { DumpFlowsResult, FlowEntryInfo } from '../api/deps.js';
import { ChannelError } from '../channel/index.js';
import { instructionsText, matchText } from '../compiler/ofctl-text.js';
import { versionName, type OfVersion } from '../openflow/wire-values.js';
import { type FlowStats } from '../openflow/stats-model.js';

export interface FlowStatsSource {
  flowStats(filter?: Record<string, never>): Promise<FlowStats[]>;
  readonly version: OfVersion;
}

export function flowEntry(f: FlowStats, version: OfVersion): FlowEntryInfo {
  const meter = f.instructions.find((i) => i.type === 'meter');
  return {
    ...(meter && meter.type === 'meter' ? { meter: meter.meterId } : {}),
    table: f.tableId,
    priority: f.priority,
    cookie: `0x${f.cookie.toString(16)}`,
    packets: Number(f.packetCount),
    bytes: Number(f.byteCount),
    durationSec: f.durationSec,
    match: matchText(f.match, version),
    actions: instructionsText(f.instructions) || 'drop',
  };
}

/** `connection(dpid)`: the connected switch, undefined when it is not connected. */
export function flowDumper(connection: (dpid: string) => FlowStatsSource | undefined): (dpid: string) => Promise<DumpFlowsResult> {
  return async (dpid) => {
    const conn = connection(dpid);
    if (!conn) return { ok: false, reason: 'disconnected' };
    try {
      const flows = await conn.flowStats({});
      const sorted = [...flows].sort((a, b) => a.tableId - b.tableId || b.priority - a.priority);
      return { ok: true, version: versionName(conn.version), flows: sorted.map((f) => flowEntry(f, conn.version)) };
    } catch (err) {
      return { ok: false, reason: err instanceof ChannelError && err.code === 'REQUEST_TIMEOUT' ? 'timeout' : 'disconnected' };
    }
  };
}
