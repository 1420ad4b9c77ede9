// Prometheus metrics of fabric discovery, read from the topology service when
// scraped: links, switches, probes sent and accepted, probes dropped by reason.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DiscoveryCounters } from './discovery-types.js';
import type { TopologySnapshot } from './types.js';

export interface TopologyMetricsSource {
  snapshot(): TopologySnapshot;
  readonly counters: Readonly<DiscoveryCounters>;
}

export function registerTopologyMetrics(registry: Registry, topo: TopologyMetricsSource): void {
  const registers = [registry];
  new Gauge({
    name: 'spotlight_topology_links',
    help: 'Fabric links currently known from discovery',
    registers,
    collect() {
      this.set(topo.snapshot().links.length);
    },
  });
  new Gauge({
    name: 'spotlight_topology_switches_connected',
    help: 'Switches connected, as discovery sees them',
    registers,
    collect() {
      let n = 0;
      for (const s of topo.snapshot().switches.values()) if (s.connected) n++;
      this.set(n);
    },
  });
  new Gauge({
    name: 'spotlight_topology_version',
    help: 'Topology snapshot version (bumped on every change)',
    registers,
    collect() {
      this.set(topo.snapshot().version);
    },
  });
  // prom-client counters only go up: add what the discovery counters gained since the last scrape.
  const seen = new Map<string, number>();
  const delta = (key: string, now: number): number => {
    const d = now - (seen.get(key) ?? 0);
    seen.set(key, now);
    return d > 0 ? d : 0;
  };
  new Counter({
    name: 'spotlight_topology_probes_sent_total',
    help: 'Discovery probes sent (packet-out)',
    registers,
    collect() {
      this.inc(delta('sent', topo.counters.sent));
    },
  });
  new Counter({
    name: 'spotlight_topology_probes_accepted_total',
    help: 'Discovery probes accepted as proof of a link',
    registers,
    collect() {
      this.inc(delta('accepted', topo.counters.accepted));
    },
  });
  new Counter({
    name: 'spotlight_topology_probes_dropped_total',
    help: 'Discovery probes dropped, by reason (forged, replayed, stale, ...)',
    labelNames: ['reason'],
    registers,
    collect() {
      for (const [reason, n] of Object.entries(topo.counters)) {
        if (reason === 'sent' || reason === 'accepted') continue;
        this.inc({ reason }, delta(reason, n));
      }
    },
  });
}
