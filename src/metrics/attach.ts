// One call wires the metrics to a running controller's parts: it subscribes to
// the switch listener's events, reads the reconciler, store and topology when
// scraped, and watches the process's event loop. The returned `session` wraps
// each switch session handed to the reconciler (flow-mods, barriers, spoof
// counters) and `api` goes to the API (GET /metrics, hook latency).
import type { ApiMetrics } from '../api/deps.js';
import { OFPGT } from '../openflow/of13/constants.js';
import type { GroupFeatures } from '../openflow/stats-model.js';
import { OFP13_VERSION } from '../openflow/wire-values.js';
import { ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_LLDP, ETH_RARP, etherTypeOf } from '../openflow/ethernet.js';
import type { PacketIn } from '../openflow/message-model.js';
import type { SwitchReconcileStatus } from '../reconcile/manager.js';
import type { SwitchSession } from '../reconcile/ports.js';
import { registerTopologyMetrics, type TopologyMetricsSource } from '../topo/metrics.js';
import type { TableUse } from '../budget/table-budgets.js';
import { SpotlightMetrics } from './definitions.js';
import { registerEventLoopDelay } from './event-loop.js';
import { instrumentSession } from './session.js';

/** The part of OpenFlowServer the metrics listen to. */
export interface SwitchEvents {
  /** `groups`: an OF1.3 switch's OFPMP_GROUP_FEATURES reply, absent when it gave none. */
  on(event: 'switchConnected', listener: (ev: SwitchConnected) => void): unknown;
  on(event: 'switchDisconnected', listener: (ev: { dpid: string }) => void): unknown;
  on(event: 'packetIn', listener: (ev: { dpid: string; message: PacketIn }) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  /** Sessions refused since start, by reason. */
  readonly refusals?: Readonly<Record<string, number>>;
}

export interface SwitchConnected {
  dpid: string;
  version?: number;
  groups?: GroupFeatures | undefined;
}

export interface MetricsSources {
  openflow: SwitchEvents;
  reconcile: { statusAll(): SwitchReconcileStatus[] };
  store: { readonly generation: number };
  topology?: TopologyMetricsSource;
  /** Table entries used on a switch against its budget. */
  tableUse?: (dpid: string) => TableUse;
}

export interface AttachedMetrics {
  metrics: SpotlightMetrics;
  session(s: SwitchSession): SwitchSession;
  api: ApiMetrics;
  detach(): void;
}

const REASONS = ['no_match', 'action', 'invalid_ttl'];

/** The type label of each OFPGT_* code, and the reconciler's name of it (flow-model GroupType). */
const GROUP_TYPES = [
  { label: 'all', ofpgt: OFPGT.all, counted: 'all' },
  { label: 'select', ofpgt: OFPGT.select, counted: 'select' },
  { label: 'indirect', ofpgt: OFPGT.indirect, counted: 'indirect' },
  { label: 'fast_failover', ofpgt: OFPGT.ff, counted: 'ff' },
] as const;

/** What a packet-in carries, from the EtherType (after one 802.1Q tag). */
export function frameKind(frame: Uint8Array): string {
  const type = etherTypeOf(frame);
  if (type === ETH_ARP || type === ETH_RARP) return 'arp';
  if (type === ETH_IPV6) return 'ipv6';
  if (type === ETH_LLDP) return 'lldp';
  if (type === ETH_IPV4) return 'ipv4';
  return 'other';
}

/** The compute-side hooks, the only values of the hook label (a bounded set, whatever clients send). */
export const HOOKS = ['vm-start', 'vm-stop', 'migration-start', 'migration-end', 'migration-abort'] as const;

/** Hook name of a matched route pattern: /v1/hooks/vm-start -> vm-start; undefined for any other route. */
export function hookName(route: string | undefined): string | undefined {
  return HOOKS.find((h) => route === `/v1/hooks/${h}`);
}

export function attachMetrics(src: MetricsSources): AttachedMetrics {
  const m = new SpotlightMetrics();
  const connected = new Set<string>();
  /** The group features of each connected OF1.3 switch that gave them. */
  const groupFeatures = new Map<string, GroupFeatures>();
  const onUp = (ev: SwitchConnected): void => {
    connected.add(ev.dpid);
    if (ev.version === OFP13_VERSION && ev.groups) groupFeatures.set(ev.dpid, ev.groups);
    else groupFeatures.delete(ev.dpid);
  };
  const onDown = (ev: { dpid: string }): void => {
    connected.delete(ev.dpid);
    groupFeatures.delete(ev.dpid);
    // A switch that left takes its series with it (a peer inventing datapath ids cannot grow the page).
    void m.forgetSwitch(ev.dpid);
  };
  const onPacketIn = (ev: { dpid: string; message: PacketIn }): void => {
    m.packetIns.inc({ dpid: ev.dpid, reason: REASONS[ev.message.reason] ?? String(ev.message.reason), kind: frameKind(ev.message.data) });
  };
  src.openflow.on('switchConnected', onUp);
  src.openflow.on('switchDisconnected', onDown);
  src.openflow.on('packetIn', onPacketIn);
  if (src.topology) registerTopologyMetrics(m.registry, src.topology);
  const eventLoop = registerEventLoopDelay(m.registry);

  const refusalsSeen = new Map<string, number>();
  // Scrape-time values: reset first so switches that went away leave no stale series.
  m.refresh = (): void => {
    for (const [reason, n] of Object.entries(src.openflow.refusals ?? {})) {
      const d = n - (refusalsSeen.get(reason) ?? 0);
      refusalsSeen.set(reason, n);
      m.sessionsRefused.inc({ reason }, d > 0 ? d : 0);
    }
    m.switchesConnected.set(connected.size);
    const gen = src.store.generation;
    m.generation.set(gen);
    m.flows.reset();
    m.desiredFlows.reset();
    m.tableUsed.reset();
    m.tableBudget.reset();
    m.realizedGeneration.reset();
    m.generationLag.reset();
    m.groupCapacity.reset();
    m.groups.reset();
    for (const [dpid, f] of groupFeatures) {
      for (const t of GROUP_TYPES) m.groupCapacity.set({ dpid, type: t.label }, (f.types & (1 << t.ofpgt)) !== 0 ? f.maxGroups[t.ofpgt]! : 0);
    }
    let maxLag = 0;
    for (const s of src.reconcile.statusAll()) {
      m.desiredFlows.set({ dpid: s.dpid }, s.desiredFlows);
      if (s.desiredGroups) for (const t of GROUP_TYPES) m.groups.set({ dpid: s.dpid, type: t.label }, s.desiredGroups[t.counted]);
      const use = src.tableUse?.(s.dpid);
      if (use) {
        m.tableUsed.set({ dpid: s.dpid }, use.used);
        if (use.budget !== undefined) m.tableBudget.set({ dpid: s.dpid }, use.budget);
      }
      if (!s.connected) continue;
      m.flows.set({ dpid: s.dpid }, s.installedFlows);
      if (s.realizedGeneration !== undefined) {
        m.realizedGeneration.set({ dpid: s.dpid }, s.realizedGeneration);
        const lag = Math.max(0, gen - s.realizedGeneration);
        m.generationLag.set({ dpid: s.dpid }, lag);
        maxLag = Math.max(maxLag, lag);
      }
    }
    m.maxGenerationLag.set(maxLag);
  };

  return {
    metrics: m,
    session: (s) => instrumentSession(m, s),
    api: {
      contentType: () => m.contentType,
      render: () => m.render(),
      observeRequest: (route, status, seconds) => {
        const hook = hookName(route);
        if (hook) m.hookSeconds.observe({ hook, status: String(status) }, seconds);
      },
    },
    detach: () => {
      eventLoop.stop();
      src.openflow.off('switchConnected', onUp);
      src.openflow.off('switchDisconnected', onDown);
      src.openflow.off('packetIn', onPacketIn);
    },
  };
}
