// The compile loop as the controller runs it: the store's feed and the fabric's
// changes to per-switch desired flows, over a fabric view that holds a dropped
// switch's links for a while and, in a cluster, stands in the leader's links for
// the ones this instance cannot discover.
import type { TableBudgets } from '../budget/table-budgets.js';
import { InheritedLinks, type Cluster } from '../cluster/index.js';
import { DEFAULT_METER_RATES } from '../compiler/switch-lowering.js';
import type { ControllerOptions } from '../controller-options.js';
import type { ReconcileManager } from '../reconcile/manager.js';
import { CompileLoop } from '../runtime/compile-loop.js';
import { StickyTopology } from '../runtime/sticky-topology.js';
import type { Store } from '../store/index.js';
import type { TopologyService } from '../topo/service.js';

export interface CompileLoopDeps {
  options: ControllerOptions;
  store: Store;
  topology: TopologyService;
  reconcile: ReconcileManager;
  cluster: Cluster | undefined;
  budgets: TableBudgets;
}

export interface CompilePath {
  loop: CompileLoop;
  /** The fabric view the compiler, explain and trace read. */
  sticky: StickyTopology;
  /** In a cluster: the leader's links under the compiler's view. */
  inherited: InheritedLinks | undefined;
}

/** Publishing is held until the fabric settles after a start (a follower: until the leader shared it). */
export function buildCompileLoop({ options, store, topology, reconcile, cluster, budgets }: CompileLoopDeps): CompilePath {
  const rs = options.reconcile ?? {};
  const topoSettings = options.topology ?? {};
  const described = topoSettings.description;
  // A switch whose session drops keeps its last view for the compiler until it is probed again.
  // A link that ages out while both ends stay up is held before the compiler drops it: two probe
  // intervals, and at least 2 s, so a probe trap lost to drift and restored by the audit is no fabric change.
  const linkHoldMs = Math.max(2000, 2 * (topoSettings.probeIntervalMs ?? 1000));
  // In a cluster the leader's links stand in for the ones a follower cannot discover (and a new leader has not yet).
  const inherited = cluster ? new InheritedLinks(topology, { graceMs: rs.maxHoldMs ?? 15_000 }) : undefined;
  const sticky = new StickyTopology(inherited ?? topology, { graceMs: rs.stickyGraceMs ?? 30_000, linkHoldMs });
  const loop = new CompileLoop({
    store,
    topology: sticky,
    sink: reconcile,
    logger: options.logger,
    compiler: {
      flowsChanged: (dpid, removed, added) => budgets.flowsChanged(dpid, removed, added),
      rates: {
        switch: { rate: rs.packetInRate ?? DEFAULT_METER_RATES.switch.rate, burst: rs.packetInBurst ?? DEFAULT_METER_RATES.switch.burst },
        port: { rate: rs.packetInPortRate ?? DEFAULT_METER_RATES.port.rate, burst: rs.packetInPortBurst ?? DEFAULT_METER_RATES.port.burst },
      },
    },
    ...(described ? { expectedLinks: described.links.length } : {}),
    ...(rs.maxHoldMs !== undefined ? { maxHoldMs: rs.maxHoldMs } : {}),
    quietMs: rs.settleMs ?? 3 * (topoSettings.probeIntervalMs ?? 1000),
    // A follower knows the fabric only from the leader: it holds until the leader shared it.
    ...(cluster ? { mayRelease: () => cluster.election.isLeader() || cluster.fabric.links !== undefined, onSettled: () => cluster.fabric.changed() } : {}),
  });
  if (cluster && inherited) {
    cluster.fabric.onView((links) => inherited.setShared(links));
    cluster.election.on('leader', () => {
      inherited.lead();
      loop.restartHold();
    });
    cluster.election.on('follower', () => inherited.follow());
    sticky.onChange(() => cluster.fabric.changed());
  }
  return { loop, sticky, inherited };
}
