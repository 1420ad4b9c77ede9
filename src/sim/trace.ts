// A frame through the compiled tables of the whole fabric: every table lookup
// on every switch it crosses (stage, flow, outputs), and the verdict.
import type { DesiredFlow, SwitchFlows } from '../compiler/types.js';
import { instructionsText, matchText } from '../compiler/ofctl-text.js';
import type { OfVersion } from '../openflow/wire-values.js';
import type { Link } from '../topo/types.js';
import { tableStage } from '../compiler/pipeline.js';
import { FlowSim, type SimStep } from './flowsim.js';

export interface TraceStep {
  switch: string;
  inPort: number;
  table: number;
  /** Stage of the matched flow; `${stage}:miss` style text is not used: a miss has stage null. */
  stage: string | null;
  priority: number | null;
  match: string | null;
  actions: string | null;
  /** Ports the flow sent copies to (4294967293 is the controller). */
  outputs: number[];
}

export type TraceVerdict = 'delivered' | 'controller' | 'dropped' | 'looped';

export interface TraceReport {
  steps: TraceStep[];
  delivered: { switch: string; port: number }[];
  controller: { switch: string; inPort: number }[];
  verdict: TraceVerdict;
  /** Where a dropped frame ended: the last step's switch and stage (or the table that missed). */
  droppedAt?: { switch: string; table: number; stage: string | null };
}

export function traceFabric(switches: Iterable<SwitchFlows>, links: readonly Link[], start: { dpid: string; port: number }, frame: Uint8Array): TraceReport {
  const list = [...switches];
  const versions = new Map<string, OfVersion>(list.map((s) => [s.dpid, s.version]));
  const sim = new FlowSim(
    list.map((s) => ({ dpid: s.dpid, version: s.version, flows: s.flows, groups: s.groups })),
    links,
  );
  const steps: TraceStep[] = [];
  sim.observer = (st: SimStep) => {
    const f = st.flow as DesiredFlow | undefined;
    const v = versions.get(st.dpid) ?? 4;
    steps.push({
      switch: st.dpid,
      inPort: st.inPort,
      table: st.tableId,
      stage: f?.stage ?? null,
      priority: f?.priority ?? null,
      match: f ? matchText(f.match, v) : null,
      actions: f ? instructionsText(f.instructions) || 'drop' : null,
      outputs: st.outputs,
    });
  };
  const r = sim.run(start.dpid, start.port, frame);
  const report: TraceReport = {
    steps,
    delivered: r.delivered.map((d) => ({ switch: d.dpid, port: d.port })),
    controller: r.controller.map((c) => ({ switch: c.dpid, inPort: c.inPort })),
    verdict: r.looped ? 'looped' : r.delivered.length ? 'delivered' : r.controller.length ? 'controller' : 'dropped',
  };
  if (report.verdict === 'dropped') {
    const last = steps[steps.length - 1];
    // A table's miss drop is a drop at that table's stage.
    if (last) report.droppedAt = { switch: last.switch, table: last.table, stage: last.stage === 'table-miss' ? tableStage(last.table, (versions.get(last.switch) ?? 4) === 1 ? 'of10' : 'of13') : last.stage };
  }
  return report;
}
