// examples/grafana/spotlight-dashboard.json queries only metrics Spotlight
// serves: every metric name in its expressions is one the controller's
// registry renders (topology metrics included), and it covers the families
// the operators' issue names.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { SpotlightMetrics } from '../../../src/metrics/definitions.js';
import { registerTopologyMetrics } from '../../../src/topo/metrics.js';

describe('examples: Grafana dashboard', () => {
  it('queries only metrics that Spotlight serves, and shows the ones operators watch', async () => {
    const dash = JSON.parse(readFileSync('examples/grafana/spotlight-dashboard.json', 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const m = new SpotlightMetrics();
    registerTopologyMetrics(m.registry, { snapshot: () => ({ version: 0, switches: new Map(), links: [] }), counters: { probesSent: 0, probesAccepted: 0, probesDropped: {} } } as never);
    const served = new Set((await m.registry.getMetricsAsJSON()).map((x) => x.name));
    const used = new Set<string>();
    for (const p of dash.panels) {
      expect(p.targets.length, p.title).to.be.above(0);
      for (const t of p.targets) for (const name of t.expr.match(/spotlight_[a-z_]+/g) ?? []) used.add(name.replace(/_(bucket|sum|count)$/, ''));
    }
    for (const name of used) expect(served.has(name), `${name} is not a Spotlight metric`).to.equal(true);
    for (const needed of ['spotlight_switches_connected', 'spotlight_switch_flows', 'spotlight_switch_table_used', 'spotlight_switch_table_budget', 'spotlight_realized_generation_lag', 'spotlight_hook_duration_seconds', 'spotlight_packet_ins_total', 'spotlight_spoof_drops']) {
      expect(used.has(needed), needed).to.equal(true);
    }
  });
});
