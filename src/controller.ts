// Spotlight's composition root: builds the components and wires them together.
// Each builder owns one component (the larger ones live in src/wiring); start()
// brings them up in dependency order and stop() takes them down in reverse.
import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { Cluster, InheritedLinks, registerClusterMetrics } from './cluster/index.js';
import type { OpenFlowServer } from './channel/index.js';
import type { ControllerOptions, HostPort } from './controller-options.js';
import { EventBus } from './events/bus.js';
import { TableBudgets } from './budget/table-budgets.js';
import { attachEventSources } from './events/sources.js';
import { SpoofWatch } from './events/spoof-watch.js';
import type { Logger } from './log.js';
import { ChannelSession } from './reconcile/channel-session.js';
import { ReconcileManager } from './reconcile/manager.js';
import { attachMetrics, type AttachedMetrics } from './metrics/index.js';
import type { ModelBoundPorts } from './runtime/bound-ports.js';
import type { CompileLoop } from './runtime/compile-loop.js';
import { BudgetAdmission } from './runtime/budget-admission.js';
import { PacketInHandler } from './runtime/packet-in.js';
import type { StickyTopology } from './runtime/sticky-topology.js';
import { readCapacities, tableCapacityReader } from './runtime/table-capacity.js';
import { connectEtcd, describeEtcd, openEtcdStore, openStore, type Store } from './store/index.js';
import type { TopologyService } from './topo/service.js';
import { clusterStatusView, startApiServer, type RunningApi } from './wiring/api.js';
import { buildCompileLoop } from './wiring/compile-loop.js';
import { buildOpenFlowServer } from './wiring/openflow.js';
import { startDiscovery, type SendPacketOut } from './wiring/topology.js';

const DEFAULT_AUDIT_MS = 60_000;

export class Controller {
  openflow: OpenFlowServer | undefined;
  store: Store | undefined;
  reconcile: ReconcileManager | undefined;
  compileLoop: CompileLoop | undefined;
  stickyTopology: StickyTopology | undefined;
  /** In a cluster: the leader's links under the compiler's view. */
  inheritedLinks: InheritedLinks | undefined;
  packetIn: PacketInHandler | undefined;
  metrics: AttachedMetrics | undefined;
  /** Each switch's flow-table budget and what the compiled state uses of it. */
  readonly budgets: TableBudgets;
  /** Writes that would push a switch past its budget are refused. */
  admission: BudgetAdmission | undefined;
  /** GET /v1/events: model, switch, link, realization, spoof-drop and migration events. */
  readonly events = new EventBus();
  private detachEvents: (() => void) | undefined;
  api: RunningApi | undefined;
  /** Bound API address once started. */
  apiAddress: string | undefined;
  private ready = false;
  /** Fabric discovery; its snapshot and links() feed the compiler and GET /v1/topology. */
  topology: TopologyService | undefined;
  boundPorts: ModelBoundPorts | undefined;
  /** Bound OpenFlow address once started (port 0 resolved). */
  openflowAddress: HostPort | undefined;
  private readonly log: Logger;
  private stopping: Promise<void> | undefined;
  /** The etcd client, when the model is there. */
  private etcd: Etcd3 | undefined;
  /** With etcd: the election and the role on each switch. */
  cluster: Cluster | undefined;
  /** Aborted by stop(): ends a start still waiting for etcd. */
  private readonly stopSignal = new AbortController();
  /** Unique per run: marks this process's writes and, in a cluster, its membership. */
  readonly instanceId = randomUUID();

  constructor(readonly options: ControllerOptions) {
    this.log = options.logger.child({ component: 'controller' });
    this.budgets = new TableBudgets(options.budgets);
  }

  /** Brings the components up in dependency order; a store that cannot be read stops it before anything listens. */
  async start(): Promise<void> {
    const store = await this.openStore();
    this.store = store;
    const of = this.buildOpenFlow();
    const topoIo = this.buildTopology(of, store);
    const reconcile = this.buildReconciler();
    const cluster = this.buildCluster(reconcile);
    this.wireSwitchSessions(of, store, reconcile, cluster);
    const loop = this.buildCompileLoop(store, reconcile, cluster);
    loop.start();
    const admission = this.buildAdmission(of, store, loop);
    // Every writer goes through the admission's journal (a write is checked on what the ones before it in its group did).
    const writes = admission.journaled();
    const packetIns = this.wirePacketIns(of, writes, topoIo.sendPacketOut);
    this.openflowAddress = await of.listen();
    const api = await this.startApiServer(writes, of, reconcile, loop, packetIns);
    this.api = api;
    this.apiAddress = api.address;
    await cluster?.start({ api: api.address, openflow: `${this.openflowAddress.host}:${this.openflowAddress.port}` });
    this.ready = true;

    this.log.info('controller started', { openflow: this.openflowAddress, api: api.address, data: this.options.etcd ? describeEtcd(this.options.etcd) : this.options.dataDir, generation: store.generation });
  }

  /** The switch listener, with its connect, disconnect and port-status logs. */

  /** The switch listener, with its connect, disconnect and port-status logs. */
  private buildOpenFlow(): OpenFlowServer {
    this.openflow = buildOpenFlowServer(this.options, this.log);
    return this.openflow;
  }

  /** LLDP discovery over the switch listener (subscribed before it listens); returns the packet-out path it and packet-in answers share. */
  private buildTopology(of: OpenFlowServer, store: Store): { sendPacketOut: SendPacketOut } {
    // The cluster is built after discovery: asked at each send.
    const discovery = startDiscovery(this.options, of, store, (dpid) => !this.cluster || this.cluster.mayWrite(dpid));
    this.topology = discovery.topology;
    this.boundPorts = discovery.boundPorts;
    return discovery;
  }

  /** Desired flows onto switches; on (re)connect the table is read, never cleared. */
  private buildReconciler(): ReconcileManager {
    const rs = this.options.reconcile ?? {};
    const reconcile = new ReconcileManager({
      logger: this.options.logger,
      auditIntervalMs: rs.auditIntervalMs ?? DEFAULT_AUDIT_MS,
      ...(rs.auditFlowsPerSecond !== undefined ? { auditFlowsPerSecond: rs.auditFlowsPerSecond } : {}),
      ...(rs.coalesceMs !== undefined ? { coalesceMs: rs.coalesceMs } : {}),
      ...(rs.bundles !== undefined ? { useBundles: rs.bundles } : {}),
    });
    this.reconcile = reconcile;
    return reconcile;
  }

  /** With several controllers (etcd), only the switch's master writes to it: the election decides. */
  private buildCluster(reconcile: ReconcileManager): Cluster | undefined {
    const cluster = this.etcd && this.options.etcd
      ? new Cluster({
          client: this.etcd,
          prefix: this.options.etcd.prefix,
          instanceId: this.instanceId,
          logger: this.options.logger,
          onMaster: (dpid) => reconcile.resume(dpid),
          fabricLinks: () => this.stickyTopology?.snapshot().links ?? [],
          fabricSettled: () => this.compileLoop?.holding === false,
          realization: reconcile.tracker,
        })
      : undefined;
    this.cluster = cluster;
    return cluster;
  }

  /** Each connected switch: its role in the cluster, then a reconciler over a session that metrics (GET /metrics) and the event stream watch. */
  private wireSwitchSessions(of: OpenFlowServer, store: Store, reconcile: ReconcileManager, cluster: Cluster | undefined): void {
    const rs = this.options.reconcile ?? {};
    const topology = this.topology!;
    of.on('switchConnected', (ev) => cluster?.attach(ev.connection));
    of.on('switchDisconnected', (ev) => cluster?.detach(ev.dpid));
    const metrics = attachMetrics({ openflow: of, reconcile, store, topology, tableUse: (dpid) => this.budgets.use(dpid) });
    if (cluster) registerClusterMetrics(metrics.metrics.registry, cluster);
    this.metrics = metrics;
    const spoofWatch = new SpoofWatch(this.events);
    of.on('switchConnected', (ev) => {
      const session = new ChannelSession(ev.connection, {
        bundles: rs.bundles ?? true,
        ...(cluster ? { mayWrite: () => cluster.mayWrite(ev.dpid), onRoleError: (kind) => cluster.roleError(ev.dpid, kind) } : {}),
      });
      reconcile.connect(spoofWatch.wrap(metrics.session(session)));
    });
    this.detachEvents = attachEventSources(this.events, { store, openflow: of, topology, realization: reconcile.tracker });
    of.on('switchDisconnected', (ev) => reconcile.disconnect(ev.dpid));
  }

  /** The store's feed and the fabric's changes -> per-switch desired flows, held until the fabric settles after a start. */
  private buildCompileLoop(store: Store, reconcile: ReconcileManager, cluster: Cluster | undefined): CompileLoop {
    const path = buildCompileLoop({ options: this.options, store, topology: this.topology!, reconcile, cluster, budgets: this.budgets });
    this.inheritedLinks = path.inherited;
    this.stickyTopology = path.sticky;
    this.compileLoop = path.loop;
    return path.loop;
  }

  /** Each switch's capacity read as it connects; writes checked against the budgets by a trial compile. */
  private buildAdmission(of: OpenFlowServer, store: Store, loop: CompileLoop): BudgetAdmission {
    readCapacities(of, tableCapacityReader(this.options.logger), (dpid, entries) => this.budgets.setCapacity(dpid, entries));
    const admission = new BudgetAdmission(store, this.budgets, loop, this.options.logger);
    this.admission = admission;
    return admission;
  }

  /** ARP/ND answers from the model and migration announcements; returns the packet-in count per switch. */
  private wirePacketIns(of: OpenFlowServer, store: Store, sendPacketOut: SendPacketOut): Map<string, number> {
    const topology = this.topology!;
    const portName = (dpid: string, portNo: number): string | undefined => topology.snapshot().switches.get(dpid)?.ports.get(portNo)?.name;
    const packetIn = new PacketInHandler({ store, sendPacketOut, portName, logger: this.options.logger });
    this.packetIn = packetIn;
    of.on('packetIn', (ev) => packetIn.handle({ dpid: ev.dpid, inPort: ev.message.inPort, data: ev.message.data }));
    const packetIns = new Map<string, number>();
    of.on('packetIn', (ev) => packetIns.set(ev.dpid, (packetIns.get(ev.dpid) ?? 0) + 1));
    return packetIns;
  }


  /** Hooks and reads; ?wait waits on the reconciler's realization tracker (not while the start-up hold keeps the change from every switch). */
  private startApiServer(store: Store, of: OpenFlowServer, reconcile: ReconcileManager, loop: CompileLoop, packetIns: Map<string, number>): Promise<RunningApi> {
    return startApiServer({
      options: this.options,
      store,
      openflow: of,
      reconcile,
      loop,
      topology: this.topology!,
      sticky: this.stickyTopology!,
      budgets: this.budgets,
      metrics: this.metrics!,
      events: this.events,
      admission: this.admission,
      packetIns,
      cluster: clusterStatusView({
        instanceId: this.instanceId,
        openflow: of,
        cluster: this.cluster,
        etcd: this.etcd,
        options: this.options,
        apiAddress: () => this.apiAddress,
        openflowAddress: () => this.openflowAddress,
      }),
      ready: () => this.ready,
    });
  }

  private async openStore(): Promise<Store> {
    const etcd = this.options.etcd;
    if (!etcd) return openStore(this.options.dataDir, { logger: this.options.logger });
    this.etcd = connectEtcd(etcd);
    return openEtcdStore({
      client: this.etcd,
      prefix: etcd.prefix,
      logger: this.options.logger,
      instanceId: this.instanceId,
      where: describeEtcd(etcd),
      signal: this.stopSignal.signal,
      ...(etcd.callTimeoutMs !== undefined ? { catchUpTimeoutMs: etcd.callTimeoutMs } : {}),
    });
  }

  /** Close listeners and switches (draining their output); safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('controller stopping');
      this.ready = false;
      this.stopSignal.abort();
      await this.api?.close().catch((err: unknown) => this.log.warn('API close failed', { error: String(err) }));
      this.detachEvents?.();
      await this.cluster?.stop().catch((err: unknown) => this.log.warn('leaving the election failed', { error: String(err) }));
      this.compileLoop?.stop();
      this.admission?.stop();
      this.packetIn?.stop();
      this.stickyTopology?.stop();
      this.inheritedLinks?.stop();
      this.topology?.stop();
      this.boundPorts?.stop();
      this.reconcile?.close();
      await this.openflow?.close();
      await this.store?.close().catch((err: unknown) => this.log.warn('store close failed', { error: String(err) }));
      this.etcd?.close();
      this.log.info('controller stopped');
    })();
    return this.stopping;
  }
}
