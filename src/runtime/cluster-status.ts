// GET /v1/cluster: the instances, the leader, each switch's master and the
// etcd health, from what the cluster parts know (several controllers on
// etcd) or from this process alone (the LevelDB store).
import type { ClusterInstance, ClusterStatus, ClusterSwitch, ClusterSwitchRole, ClusterView } from '../api/deps.js';
import type { EtcdHealth } from '../store/index.js';

/** An instance as the membership lists it (roles: per switch, [role, generation id] as the switch stated them). */
export interface MemberInfo {
  id: string;
  api: string | null;
  openflow: string | null;
  alive: boolean;
  leftAt?: number;
  roles: Readonly<Record<string, readonly ['master' | 'slave', string]>>;
}

export interface ClusterParts {
  instanceId: string;
  instances(): MemberInfo[];
  leader(): { instanceId: string; generationId: bigint } | undefined;
  etcdHealth(): Promise<EtcdHealth>;
}

/** Several controllers on etcd. */
export function clusterView(parts: ClusterParts): ClusterView {
  return {
    async status(): Promise<ClusterStatus> {
      const etcd = await parts.etcdHealth();
      const leader = parts.leader();
      const members = parts.instances();
      const instances: ClusterInstance[] = members.map((m) => ({
        id: m.id,
        api: m.api,
        openflow: m.openflow,
        alive: m.alive,
        leader: m.id === leader?.instanceId,
        self: m.id === parts.instanceId,
        ...(m.leftAt !== undefined ? { leftAt: new Date(m.leftAt).toISOString() } : {}),
      }));
      const bySwitch = new Map<string, ClusterSwitchRole[]>();
      for (const m of members) {
        if (!m.alive && m.id !== parts.instanceId) continue;
        for (const [dpid, [role, gen]] of Object.entries(m.roles)) {
          let roles = bySwitch.get(dpid);
          if (!roles) bySwitch.set(dpid, (roles = []));
          roles.push({ instance: m.id, role, generationId: gen });
        }
      }
      const switches: ClusterSwitch[] = [...bySwitch]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([dpid, roles]) => ({ dpid, master: masterOf(roles), roles }));
      return {
        store: 'etcd',
        instance: parts.instanceId,
        leader: leader ? { instance: leader.instanceId, generationId: String(leader.generationId) } : null,
        instances,
        switches,
        etcd,
      };
    },
  };
}

/**
 * The instance a switch takes as master: of those it confirmed as master, the
 * one under the newest leadership (a switch demotes an older master when a
 * newer one asks, and an instance that was paused may not have heard yet).
 */
function masterOf(roles: readonly ClusterSwitchRole[]): string | null {
  let best: ClusterSwitchRole | undefined;
  for (const r of roles) {
    if (r.role !== 'master') continue;
    if (!best || BigInt(r.generationId ?? '0') > BigInt(best.generationId ?? '0')) best = r;
  }
  return best?.instance ?? null;
}

export interface SingleInstanceParts {
  instanceId: string;
  api: () => string | null;
  openflow: () => string | null;
  /** Datapath ids of the switches connected now. */
  connectedSwitches: () => string[];
}

/**
 * One controller on the LevelDB store: it is the leader and it sends no role
 * request, so every switch holds it in OpenFlow's default role, EQUAL, which
 * lets it write: it is every switch's master in effect.
 */
export function singleInstanceView(parts: SingleInstanceParts): ClusterView {
  return {
    status: () =>
      Promise.resolve({
        store: 'leveldb',
        instance: parts.instanceId,
        leader: { instance: parts.instanceId, generationId: null },
        instances: [{ id: parts.instanceId, api: parts.api(), openflow: parts.openflow(), alive: true, leader: true, self: true }],
        switches: parts
          .connectedSwitches()
          .sort()
          .map((dpid) => ({ dpid, master: parts.instanceId, roles: [{ instance: parts.instanceId, role: 'equal', generationId: null }] })),
        etcd: null,
      }),
  };
}
