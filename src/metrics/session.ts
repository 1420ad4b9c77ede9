// A switch session as the reconciler drives it, counted on the way: flow-mods
// by command, the barrier round trip of each batch, OpenFlow errors, and the
// spoof-drop counters of every flow read (audits, resyncs).
import { wrapSession, type ApplyResult, type ReadFlowsResult, type SwitchCommand, type SwitchSession } from '../reconcile/ports.js';
import type { SpotlightMetrics } from './definitions.js';
import { spoofCounts } from '../compiler/spoof.js';
import { isTableFull } from '../openflow/table-full.js';

export function instrumentSession(m: SpotlightMetrics, inner: SwitchSession, now: () => number = () => performance.now()): SwitchSession {
  const dpid = inner.dpid;
  return wrapSession(inner, {
    async apply(commands: SwitchCommand[], opts: { atomic: boolean }): Promise<ApplyResult> {
      for (const c of commands) if (c.type === 'flowMod') m.flowMods.inc({ dpid, command: c.command });
      const started = now();
      const r = await inner.apply(commands, opts);
      if (r.ok) m.barrierSeconds.observe({ dpid }, (now() - started) / 1000);
      else m.batchFailures.inc({ dpid, reason: r.reason });
      if (r.errors.length) m.flowModErrors.inc({ dpid }, r.errors.length);
      const full = r.errors.filter((e) => isTableFull(inner.version, e.errType, e.code)).length;
      if (full > 0) m.tableFull.inc({ dpid }, full);
      return r;
    },
    async readFlows(): Promise<ReadFlowsResult> {
      const r = await inner.readFlows();
      if (r.ok) recordSpoofDrops(m, dpid, inner.version, r.flows);
      return r;
    },
  });
}

export function recordSpoofDrops(m: SpotlightMetrics, dpid: string, version: SwitchSession['version'], flows: Parameters<typeof spoofCounts>[1]): void {
  for (const s of spoofCounts(version, flows)) m.spoofDrops.set({ dpid, port: String(s.port), stage: s.stage }, Number(s.packets));
}
