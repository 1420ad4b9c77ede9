// Prometheus metrics of the cluster: whether this instance leads, elections
// it won and lost, times it stepped down, its probes of the leader's process
// and the dead leaders' leases it revoked, and per switch the role the switch
// confirmed for this instance and how often that role changed.
import { Counter, Gauge, type Registry } from 'prom-client';
import { PROBE_OUTCOMES, type ProbeOutcome } from './liveness.js';
import type { SwitchRolesEvents, SwitchStatedRole } from './switch-roles.js';

export interface ClusterMetricsSource {
  election: { isLeader(): boolean; readonly wins: number; readonly losses: number; readonly stepDowns: number };
  deadLeader: { readonly revocations: number; readonly probes: Readonly<Record<ProbeOutcome, number>> };
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
  new Counter({
    name: 'spotlight_cluster_dead_leader_revocations_total',
    help: "Leases of a dead leader this instance revoked: the leader's liveness port refused connections (its process was gone), so the others need not wait for the lease to run out",
    registers,
    collect() {
      this.inc(delta('revocations', src.deadLeader.revocations));
    },
  });
  const probes = new Counter({
    name: 'spotlight_cluster_leader_probes_total',
    help: "Probes of the leader's liveness listener by this instance while it follows, by outcome (answered; other: another program answered; silent: connected, no answer, as from a paused leader; refused: nothing listens; unreachable)",
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      for (const o of PROBE_OUTCOMES) this.inc({ outcome: o }, delta(`probe:${o}`, src.deadLeader.probes[o]));
    },
  });
  for (const o of PROBE_OUTCOMES) probes.inc({ outcome: o }, 0);
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
