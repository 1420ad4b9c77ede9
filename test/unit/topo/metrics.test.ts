import { expect } from 'chai';
import { Registry } from 'prom-client';
import { Discovery } from '../../../src/topo/discovery.js';
import { registerTopologyMetrics } from '../../../src/topo/metrics.js';
import { buildProbe } from '../../../src/topo/lldp.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';

function value(text: string, line: string): number {
  const m = text.split('\n').find((l) => l.startsWith(line + ' '));
  if (!m) throw new Error(`no sample ${line} in\n${text}`);
  return Number(m.slice(line.length + 1));
}

describe('topo/metrics', () => {
  it('exposes links, switches and probe counters by drop reason', async () => {
    const clock = { t: 1_000_000 };
    const secret = Buffer.from('m');
    const d = new Discovery({ secret, now: () => clock.t, random: () => 0 });
    const registry = new Registry();
    registerTopologyMetrics(registry, d);
    d.switchConnected(S1, [{ portNo: 1, name: 'a', up: true }]);
    d.switchConnected(S2, [{ portNo: 1, name: 'b', up: true }]);
    for (const p of d.tick()) d.receive({ dpid: p.dpid === S1 ? S2 : S1, inPort: 1, frame: p.frame });
    d.receive({ dpid: S2, inPort: 1, frame: buildProbe({ dpid: S1, portNo: 1, timestamp: clock.t, secret: Buffer.from('x') }) });
    let text = await registry.metrics();
    expect(value(text, 'spotlight_topology_links')).to.equal(1);
    expect(value(text, 'spotlight_topology_switches_connected')).to.equal(2);
    expect(value(text, 'spotlight_topology_probes_sent_total')).to.equal(2);
    expect(value(text, 'spotlight_topology_probes_accepted_total')).to.equal(2);
    expect(value(text, 'spotlight_topology_probes_dropped_total{reason="forged"}')).to.equal(1);
    d.receive({ dpid: S2, inPort: 1, frame: Buffer.from('00', 'hex') });
    text = await registry.metrics();
    // Counters keep their totals across scrapes.
    expect(value(text, 'spotlight_topology_probes_dropped_total{reason="forged"}')).to.equal(1);
    expect(value(text, 'spotlight_topology_probes_dropped_total{reason="malformed"}')).to.equal(1);
    expect(value(text, 'spotlight_topology_probes_sent_total')).to.equal(2);
  });
});
