// Prometheus metrics of the cluster: whether this instance leads, elections
// it won and lost, times it stepped down, and per switch the role the switch
// confirmed for this instance and how often that role changed.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SwitchRolesEvents, SwitchStatedRole } from './switch-roles.js';

export interface ClusterMetricsSource {
  election: { isLeader(): boolean; readonly wins: number; readonly losses: number; readonly stepDowns: number };
  roles: {
    statedRoles(): ReadonlyMap<string, SwitchStatedRole>;
    on<K extends keyof SwitchRolesEvents>(event: K, listener: (...args: SwitchRolesEvents[K]) => void): unknown;
  };
}

export function registerClusterMetrics(registry: Registry, src: ClusterMetricsSource): void {
  const registers = [registry];
  new Gauge({
    name: 'spotlight_cluster_leader',
    help: 'Whether this instance leads the cluster (1) or follows (0)',
    registers,
    collect() {
      this.set(src.election.isLeader() ? 1 : 0);
    },
  });
  // prom-client counters only go up: add what the election's counts gained since the last scrape.
  const seen = new Map<string, number>();
  const delta = (key: string, now: number): number => {
    const d = now - (seen.get(key) ?? 0);
    seen.set(key, now);
    return d > 0 ? d : 0;
  };
  const elections = new Counter({
    name: 'spotlight_cluster_elections_total',
    help: 'Campaigns for leadership by this instance, by outcome (won, lost: another instance led)',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      this.inc({ outcome: 'won' }, delta('won', src.election.wins));
      this.inc({ outcome: 'lost' }, delta('lost', src.election.losses));
    },
  });
  elections.inc({ outcome: 'won' }, 0);
  elections.inc({ outcome: 'lost' }, 0);
  new Counter({
    name: 'spotlight_cluster_step_downs_total',
    help: 'Times this instance stopped leading (lease lost or not confirmed in time, deposed by a switch, stopping)',
    registers,
    collect() {
      this.inc(delta('stepDowns', src.election.stepDowns));
    },
  });
  new Gauge({
    name: 'spotlight_switch_role',
    help: 'The role a connected switch last confirmed for this instance (1 on the series of that role)',
    labelNames: ['dpid', 'role'] as const,
    registers,
    collect() {
      this.reset();
      for (const [dpid, r] of src.roles.statedRoles()) this.set({ dpid, role: r.role }, 1);
    },
  });
  const changes = new Counter({
    name: 'spotlight_switch_role_changes_total',
    help: "Changes of the role a switch confirmed for this instance, by the new role (a session's first role counts)",
    labelNames: ['dpid', 'role'] as const,
    registers,
  });
  src.roles.on('role', (dpid, now, previous) => {
    if (now !== previous) changes.inc({ dpid, role: now });
  });
  // A switch that left takes its series with it, as every per-switch metric does.
  src.roles.on('detached', (dpid) => {
    for (const r of ['master', 'slave'] as const) changes.remove({ dpid, role: r });
  });
}
