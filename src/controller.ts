// Spotlight's composition root: builds the components and wires them together.
// Each builder below owns one component; start() brings them up in dependency
// order and stop() takes them down in reverse.
import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import type { AgentToken } from './api/auth.js';
import type { ClusterView } from './api/deps.js';
import type { ConnectionTimeouts, RateLimitSettings } from './api/guards.js';
import { startApi } from './api/server.js';
import { Cluster, InheritedLinks, registerClusterMetrics } from './cluster/index.js';
import { OpenFlowServer, type ConnectionLimits, type TlsSettings } from './channel/index.js';
import type { Clock } from './clock.js';
import { DEFAULT_METER_RATES } from './compiler/switch-lowering.js';
import { EventBus } from './events/bus.js';
import { TableBudgets, type BudgetSettings } from './budget/table-budgets.js';
import { attachEventSources } from './events/sources.js';
import { SpoofWatch } from './events/spoof-watch.js';
import type { Logger } from './log.js';
import { versionName } from './openflow/wire-values.js';
import { ChannelSession } from './reconcile/channel-session.js';
import { ReconcileManager } from './reconcile/manager.js';
import { attachMetrics, type AttachedMetrics } from './metrics/index.js';
import { ModelBoundPorts } from './runtime/bound-ports.js';
import { flowDumper } from './runtime/flow-dump.js';
import { clusterView, singleInstanceView } from './runtime/cluster-status.js';
import { CompileLoop } from './runtime/compile-loop.js';
import { BudgetAdmission } from './runtime/budget-admission.js';
import { PacketInHandler } from './runtime/packet-in.js';
import { StickyTopology } from './runtime/sticky-topology.js';
import { switchDirectory } from './runtime/switch-directory.js';
import { readCapacities, tableCapacityReader } from './runtime/table-capacity.js';
import { connectEtcd, describeEtcd, etcdHealth, openEtcdStore, openStore, type EtcdSettings, type Store } from './store/index.js';
import { channelTopologySource } from './topo/channel-source.js';
import { findSwitch, type TopologyDescription } from './topo/description.js';
import { TopologyService } from './topo/service.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface ControllerOptions {
  /** Where switches connect (OpenFlow 1.0 and 1.3 on the same port). */
  openflow: HostPort & { tls?: TlsSettings; limits?: Partial<ConnectionLimits>; requireTls?: boolean; maxConnectionsPerAddress?: number };
  /** The HTTP API (wired by the API component): HTTPS with tls, the per-client rate limit (false: none) and timeouts. */
  api: HostPort & { tls?: { cert: string; key: string }; rateLimit?: Partial<RateLimitSettings> | false; timeouts?: Partial<ConnectionTimeouts> };
  /** LevelDB directory (wired by the store component). */
  dataDir: string;
  /** The model in etcd instead (several controllers share it). */
  etcd?: EtcdSettings;
  logger: Logger;
  clock?: Clock;
  /** Fabric discovery settings (the described cabling, probe key and rate). */
  topology?: TopologySettings;
  /** Bearer token for the API (else SPOTLIGHT_API_TOKEN). */
  apiToken?: string;
  apiBodyLimit?: number;
  /** Compute agents' tokens, each limited to its switches. */
  apiAgents?: AgentToken[];
  reconcile?: ReconcileSettings;
  /** Flow-table budgets: a default and per-switch overrides (a switch's own capacity applies too). */
  budgets?: BudgetSettings;
}

export interface ReconcileSettings {
  /** Re-read every switch's flows and repair drift on this interval (default 60 s). */
  auditIntervalMs?: number;
  /** Flows read per second by audits, all switches together (default 2,000): a larger fabric is audited in longer rounds. */
  auditFlowsPerSecond?: number;
  coalesceMs?: number;
  /** Atomic OF1.3 bundles when the switch has them (default true). */
  bundles?: boolean;
  /** Packets per second to the controller from a switch's own trap (OF1.3 meter; default 100). */
  packetInRate?: number;
  packetInBurst?: number;
  /** Packets per second to the controller per access port (OF1.3 meter; default 50): one VM's flood stays its own. */
  packetInPortRate?: number;
  packetInPortBurst?: number;
  /** Publishing waits for the fabric to settle after a start, at most this long. */
  maxHoldMs?: number;
  /** Without a description: the fabric counts as settled after this long without a change. */
  settleMs?: number;
  /** How long a switch whose session dropped keeps its links for the compiler (default 30 s). */
  stickyGraceMs?: number;
}

const DEFAULT_AUDIT_MS = 60_000;

export interface TopologySettings {
  description?: TopologyDescription;
  /** Probe HMAC key; random per process when absent. */
  secret?: Uint8Array;
  /** Milliseconds between two probes out of one port (default 1000). */
  probeIntervalMs?: number;
  /** Probes a second at most, all ports together (default 1000): a larger fabric is probed in longer rounds. */
  maxProbesPerSecond?: number;
  /** Refuse the OpenFlow session of a switch the description does not name. */
  refuseUndescribedSwitches?: boolean;
}

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
  api: { close(): Promise<void>; address: string } | undefined;
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
  private buildOpenFlow(): OpenFlowServer {
    const ofo = this.options.openflow;
    const described = this.options.topology?.description;
    const of = new OpenFlowServer({
      host: ofo.host,
      port: ofo.port,
      ...(ofo.tls ? { tls: ofo.tls } : {}),
      ...(ofo.limits ? { limits: ofo.limits } : {}),
      ...(ofo.requireTls !== undefined ? { requireTls: ofo.requireTls } : {}),
      ...(ofo.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: ofo.maxConnectionsPerAddress } : {}),
      ...(described && this.options.topology?.refuseUndescribedSwitches
        ? { admitSwitch: (dpid: string) => (described.switches.some((s) => s.dpid === dpid) ? undefined : 'the topology description does not name this switch') }
        : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      logger: this.options.logger,
    });
    of.on('switchConnected', (ev) =>
      this.log.info('switch connected', {
        dpid: ev.dpid,
        version: versionName(ev.version),
        remote: ev.connection.remote,
        ports: ev.ports.map((p) => `${p.portNo}:${p.name}`),
        hw: ev.desc ? `${ev.desc.mfrDesc} ${ev.desc.hwDesc} ${ev.desc.swDesc}` : undefined,
      }),
    );
    // A switch going away is something an operator acts on: warn.
    of.on('switchDisconnected', (ev) => this.log.warn('switch disconnected', { dpid: ev.dpid, reason: ev.reason, detail: ev.detail }));
    of.on('portStatus', (ev) =>
      this.log.info('port status', { dpid: ev.dpid, reason: ev.message.reason, port: ev.message.desc.portNo, name: ev.message.desc.name }),
    );
    this.openflow = of;
    return of;
  }

  /** LLDP discovery over the switch listener (subscribed before it listens); returns the packet-out path it and packet-in answers share. */
  private buildTopology(of: OpenFlowServer, store: Store): { sendPacketOut: (dpid: string, port: number, frame: Buffer) => boolean } {
    const topoSettings = this.options.topology ?? {};
    const channelIo = channelTopologySource(of);
    // A slave's packet-outs are refused by the switch: only the master probes and answers.
    const topoIo = { ...channelIo, sendPacketOut: (dpid: string, port: number, frame: Buffer) => (this.cluster && !this.cluster.mayWrite(dpid) ? false : channelIo.sendPacketOut(dpid, port, frame)) };
    // Ports with a VM or gateway bound in the model are never fabric ports.
    this.boundPorts = new ModelBoundPorts(store);
    this.topology = new TopologyService({
      source: topoIo.source,
      sendPacketOut: topoIo.sendPacketOut,
      boundPorts: this.boundPorts,
      logger: this.options.logger,
      ...(topoSettings.description ? { description: topoSettings.description } : {}),
      ...(topoSettings.secret ? { secret: topoSettings.secret } : {}),
      ...(topoSettings.probeIntervalMs ? { intervalMs: topoSettings.probeIntervalMs } : {}),
      ...(topoSettings.maxProbesPerSecond ? { maxProbesPerSecond: topoSettings.maxProbesPerSecond } : {}),
      // Missing described links are reported once the start-up hold is over, not while first probes run.
      reportAfterMs: this.options.reconcile?.maxHoldMs ?? 15_000,
    });
    this.topology.start();
    return topoIo;
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
    const rs = this.options.reconcile ?? {};
    const topoSettings = this.options.topology ?? {};
    const described = topoSettings.description;
    const topology = this.topology!;
    // A switch whose session drops keeps its last view for the compiler until it is probed again.
    // A link that ages out while both ends stay up is held before the compiler drops it: two probe
    // intervals, and at least 2 s, so a probe trap lost to drift and restored by the audit is no fabric change.
    const linkHoldMs = Math.max(2000, 2 * (topoSettings.probeIntervalMs ?? 1000));
    // In a cluster the leader's links stand in for the ones a follower cannot discover (and a new leader has not yet).
    const inherited = cluster ? new InheritedLinks(topology, { graceMs: rs.maxHoldMs ?? 15_000 }) : undefined;
    this.inheritedLinks = inherited;
    const sticky = new StickyTopology(inherited ?? topology, { graceMs: rs.stickyGraceMs ?? 30_000, linkHoldMs });
    this.stickyTopology = sticky;
    const loop = new CompileLoop({
      store,
      topology: sticky,
      sink: reconcile,
      logger: this.options.logger,
      compiler: {
        flowsChanged: (dpid, removed, added) => this.budgets.flowsChanged(dpid, removed, added),
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
    this.compileLoop = loop;
    if (cluster && inherited) {
      cluster.fabric.onView((links) => inherited.setShared(links));
      cluster.election.on('leader', () => {
        inherited.lead();
        loop.restartHold();
      });
      cluster.election.on('follower', () => inherited.follow());
      sticky.onChange(() => cluster.fabric.changed());
    }
    return loop;
  }

  /** Each switch's capacity read as it connects; writes checked against the budgets by a trial compile. */
  private buildAdmission(of: OpenFlowServer, store: Store, loop: CompileLoop): BudgetAdmission {
    readCapacities(of, tableCapacityReader(this.options.logger), (dpid, entries) => this.budgets.setCapacity(dpid, entries));
    const admission = new BudgetAdmission(store, this.budgets, loop, this.options.logger);
    this.admission = admission;
    return admission;
  }

  /** ARP/ND answers from the model and migration announcements; returns the packet-in count per switch. */
  private wirePacketIns(of: OpenFlowServer, store: Store, sendPacketOut: (dpid: string, port: number, frame: Buffer) => boolean): Map<string, number> {
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
  private startApiServer(store: Store, of: OpenFlowServer, reconcile: ReconcileManager, loop: CompileLoop, packetIns: Map<string, number>): Promise<{ close(): Promise<void>; address: string }> {
    const topology = this.topology!;
    const sticky = this.stickyTopology!;
    const described = this.options.topology?.description;
    return startApi({
      host: this.options.api.host,
      port: this.options.api.port,
      ...(this.options.apiToken !== undefined ? { token: this.options.apiToken } : {}),
      ...(this.options.apiBodyLimit !== undefined ? { bodyLimit: this.options.apiBodyLimit } : {}),
      ...(this.options.apiAgents ? { agents: this.options.apiAgents } : {}),
      ...(this.options.api.tls ? { tls: this.options.api.tls } : {}),
      ...(this.options.api.rateLimit !== undefined ? { rateLimit: this.options.api.rateLimit } : {}),
      ...(this.options.api.timeouts ? { timeouts: this.options.api.timeouts } : {}),
      store,
      realization: { waitForChange: (req) => reconcile.tracker.waitForChange({ ...req, held: () => loop.holding }) },
      switches: {
        ...switchDirectory({
          topology: () => topology.snapshot(),
          connectedVersion: (dpid) => of.get(dpid)?.version,
          reconcile: () => reconcile.statusAll(),
          packetIns: (dpid) => packetIns.get(dpid) ?? 0,
          tableUse: (dpid) => this.budgets.use(dpid),
        }),
        dumpFlows: flowDumper((dpid) => of.get(dpid)),
      },
      metrics: this.metrics!.api,
      events: this.events,
      ...(this.admission ? { admission: this.admission } : {}),
      // explain and trace read the compile loop's live state over the same fabric view as the compiler.
      fabric: sticky,
      compiled: { switches: () => [...sticky.snapshot().switches.keys()].map((d) => loop.compiler!.flowsOf(d)) },
      topology: { links: () => topology.links() },
      ...(described ? { lookupSwitch: (name: string) => findSwitch(described, name)?.dpid } : {}),
      cluster: this.clusterStatusView(of),
      ready: () => this.ready,
      logger: this.options.logger.child({ component: 'api' }),
    });
  }

  /** GET /v1/cluster: the cluster's instances and roles, or this process alone on the LevelDB store. */
  private clusterStatusView(of: OpenFlowServer): ClusterView {
    const cluster = this.cluster;
    const client = this.etcd;
    const settings = this.options.etcd;
    if (cluster && client && settings) {
      return clusterView({
        instanceId: this.instanceId,
        instances: () => cluster.membership.instances(),
        leader: () => cluster.election.leader,
        etcdHealth: () => etcdHealth(settings, client),
      });
    }
    const addr = (): string | null => (this.openflowAddress ? `${this.openflowAddress.host}:${this.openflowAddress.port}` : null);
    return singleInstanceView({ instanceId: this.instanceId, api: () => this.apiAddress ?? null, openflow: addr, connectedSwitches: () => of.switches().map((c) => c.dpid) });
  }

  private async openStore(): Promise<Store> {
    const etcd = this.options.etcd;
    if (!etcd) return openStore(this.options.dataDir, { logger: this.options.logger });
    this.etcd = connectEtcd(etcd);
    return openEtcdStore({ client: this.etcd, prefix: etcd.prefix, logger: this.options.logger, instanceId: this.instanceId, where: describeEtcd(etcd), ...(etcd.callTimeoutMs !== undefined ? { catchUpTimeoutMs: etcd.callTimeoutMs } : {}) });
  }

  /** Close listeners and switches (draining their output); safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('controller stopping');
      this.ready = false;
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
