// The HTTP API as the controller runs it: hooks and reads over the store, the
// switches, the compiled flows and the fabric; ?wait waits on the reconciler's
// realization tracker (not while the start-up hold keeps a change from every switch).
import type { ClusterView } from '../api/deps.js';
import { startApi } from '../api/server.js';
import type { BudgetAdmission } from '../runtime/budget-admission.js';
import type { TableBudgets } from '../budget/table-budgets.js';
import type { OpenFlowServer } from '../channel/index.js';
import type { Cluster } from '../cluster/index.js';
import type { ControllerOptions, HostPort } from '../controller-options.js';
import type { Etcd3 } from 'etcd3';
import type { EventBus } from '../events/bus.js';
import type { AttachedMetrics } from '../metrics/index.js';
import type { ReconcileManager } from '../reconcile/manager.js';
import { clusterView, singleInstanceView } from '../runtime/cluster-status.js';
import type { CompileLoop } from '../runtime/compile-loop.js';
import { flowDumper } from '../runtime/flow-dump.js';
import type { StickyTopology } from '../runtime/sticky-topology.js';
import { switchDirectory } from '../runtime/switch-directory.js';
import { etcdHealth, type Store } from '../store/index.js';
import { findSwitch } from '../topo/description.js';
import type { TopologyService } from '../topo/service.js';

export interface ApiDeps {
  options: ControllerOptions;
  store: Store;
  openflow: OpenFlowServer;
  reconcile: ReconcileManager;
  loop: CompileLoop;
  topology: TopologyService;
  sticky: StickyTopology;
  budgets: TableBudgets;
  metrics: AttachedMetrics;
  events: EventBus;
  admission: BudgetAdmission | undefined;
  /** PACKET_INs seen per switch. */
  packetIns: ReadonlyMap<string, number>;
  cluster: ClusterView;
  ready: () => boolean;
}

export interface RunningApi {
  close(): Promise<void>;
  address: string;
}

export function startApiServer(d: ApiDeps): Promise<RunningApi> {
  const { options, openflow: of, reconcile, loop, topology, sticky } = d;
  const described = options.topology?.description;
  return startApi({
    host: options.api.host,
    port: options.api.port,
    ...(options.apiToken !== undefined ? { token: options.apiToken } : {}),
    ...(options.apiBodyLimit !== undefined ? { bodyLimit: options.apiBodyLimit } : {}),
    ...(options.apiAgents ? { agents: options.apiAgents } : {}),
    ...(options.api.tls ? { tls: options.api.tls } : {}),
    ...(options.api.rateLimit !== undefined ? { rateLimit: options.api.rateLimit } : {}),
    ...(options.api.timeouts ? { timeouts: options.api.timeouts } : {}),
    store: d.store,
    realization: { waitForChange: (req) => reconcile.tracker.waitForChange({ ...req, held: () => loop.holding }) },
    switches: {
      ...switchDirectory({
        topology: () => topology.snapshot(),
        connectedVersion: (dpid) => of.get(dpid)?.version,
        reconcile: () => reconcile.statusAll(),
        packetIns: (dpid) => d.packetIns.get(dpid) ?? 0,
        tableUse: (dpid) => d.budgets.use(dpid),
        groupFeatures: (dpid) => of.get(dpid)?.groupFeatures,
      }),
      dumpFlows: flowDumper((dpid) => of.get(dpid)),
    },
    metrics: d.metrics.api,
    events: d.events,
    ...(d.admission ? { admission: d.admission } : {}),
    // explain and trace read the compile loop's live state over the same fabric view as the compiler.
    fabric: sticky,
    compiled: { switches: () => [...sticky.snapshot().switches.keys()].map((dpid) => loop.compiler!.flowsOf(dpid)) },
    topology: { links: () => topology.links() },
    ...(described ? { lookupSwitch: (name: string) => findSwitch(described, name)?.dpid } : {}),
    cluster: d.cluster,
    ready: d.ready,
    logger: options.logger.child({ component: 'api' }),
  });
}

export interface ClusterStatusDeps {
  instanceId: string;
  openflow: OpenFlowServer;
  /** With etcd: the cluster, its client and settings. */
  cluster: Cluster | undefined;
  etcd: Etcd3 | undefined;
  options: ControllerOptions;
  apiAddress: () => string | undefined;
  openflowAddress: () => HostPort | undefined;
}

/** GET /v1/cluster: the cluster's instances and roles, or this process alone on the LevelDB store. */
export function clusterStatusView({ instanceId, openflow: of, cluster, etcd: client, options, apiAddress, openflowAddress }: ClusterStatusDeps): ClusterView {
  const settings = options.etcd;
  if (cluster && client && settings) {
    return clusterView({
      instanceId,
      instances: () => cluster.membership.instances(),
      leader: () => cluster.election.leader,
      etcdHealth: () => etcdHealth(settings, client),
    });
  }
  const addr = (): string | null => {
    const a = openflowAddress();
    return a ? `${a.host}:${a.port}` : null;
  };
  return singleInstanceView({ instanceId, api: () => apiAddress() ?? null, openflow: addr, connectedSwitches: () => of.switches().map((c) => c.dpid) });
}
