// The Controller's options, and how the effective settings make them
// (everything but the logger), so `spotlight serve` is: load the file, merge
// the flags, build, start.
import type { AgentToken } from './api/auth.js';
import type { ConnectionTimeouts, RateLimitSettings } from './api/guards.js';
import type { BudgetSettings } from './budget/table-budgets.js';
import type { ConnectionLimits, TlsSettings } from './channel/index.js';
import type { Clock } from './clock.js';
import type { EffectiveSettings } from './config/index.js';
import type { Logger } from './log.js';
import type { EtcdSettings } from './store/index.js';
import type { TopologyDescription } from './topo/description.js';

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

export function controllerOptions(s: EffectiveSettings): Omit<ControllerOptions, 'logger'> {
  const c = s.config;
  const ka = c.openflow?.keepalive;
  const mp = c.openflow?.multipart;
  const limits = {
    ...(ka?.intervalMs !== undefined ? { echoIntervalMs: ka.intervalMs } : {}),
    ...(ka?.maxMisses !== undefined ? { echoMaxMisses: ka.maxMisses } : {}),
    ...(mp?.maxParts !== undefined ? { maxReplyParts: mp.maxParts } : {}),
    ...(mp?.maxEntries !== undefined ? { maxReplyEntries: mp.maxEntries } : {}),
    ...(mp?.maxBytes !== undefined ? { maxReplyBytes: mp.maxBytes } : {}),
    ...(c.openflow?.packetInPerPort !== undefined ? { packetInPerPortPerSecond: c.openflow.packetInPerPort } : {}),
  };
  const tlsDpids = c.openflow?.tls?.dpids;
  const r = c.reconcile ?? {};
  return {
    openflow: {
      ...s.openflow,
      ...(s.tls ? { tls: tlsDpids ? { ...s.tls, dpids: tlsDpids } : s.tls } : {}),
      ...(Object.keys(limits).length ? { limits } : {}),
      ...(c.openflow?.requireTls !== undefined ? { requireTls: c.openflow.requireTls } : {}),
      ...(c.openflow?.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: c.openflow.maxConnectionsPerAddress } : {}),
    },
    api: { ...s.api, ...apiTransport(s) },
    dataDir: s.data,
    ...(s.etcd ? { etcd: s.etcd } : {}),
    ...(s.apiToken !== undefined ? { apiToken: s.apiToken } : {}),
    ...(c.api?.bodyLimit !== undefined ? { apiBodyLimit: c.api.bodyLimit } : {}),
    ...(c.api?.agents ? { apiAgents: c.api.agents.flatMap((a) => (a.token === undefined ? [] : [{ name: a.name, token: a.token, switches: a.switches }])) } : {}),
    topology: {
      ...(c.topologyDescription ? { description: c.topologyDescription } : {}),
      ...(c.discovery?.probeIntervalMs !== undefined ? { probeIntervalMs: c.discovery.probeIntervalMs } : {}),
      ...(c.discovery?.maxProbesPerSecond !== undefined ? { maxProbesPerSecond: c.discovery.maxProbesPerSecond } : {}),
      ...(c.discovery?.undescribedSwitches === 'refuse' ? { refuseUndescribedSwitches: true } : {}),
    },
    ...(c.budgets ? { budgets: budgetSettings(c.budgets) } : {}),
    reconcile: {
      ...(r.auditIntervalMs !== undefined ? { auditIntervalMs: r.auditIntervalMs } : {}),
      ...(r.auditFlowsPerSecond !== undefined ? { auditFlowsPerSecond: r.auditFlowsPerSecond } : {}),
      ...(r.coalesceMs !== undefined ? { coalesceMs: r.coalesceMs } : {}),
      ...(r.bundles !== undefined ? { bundles: r.bundles } : {}),
      ...(r.maxHoldMs !== undefined ? { maxHoldMs: r.maxHoldMs } : {}),
      ...(r.stickyGraceMs !== undefined ? { stickyGraceMs: r.stickyGraceMs } : {}),
      ...(c.limits?.packetInRate !== undefined ? { packetInRate: c.limits.packetInRate } : {}),
      ...(c.limits?.packetInBurst !== undefined ? { packetInBurst: c.limits.packetInBurst } : {}),
      ...(c.limits?.packetInPortRate !== undefined ? { packetInPortRate: c.limits.packetInPortRate } : {}),
      ...(c.limits?.packetInPortBurst !== undefined ? { packetInPortBurst: c.limits.packetInPortBurst } : {}),
      ...(c.discovery?.settleMs !== undefined ? { settleMs: c.discovery.settleMs } : {}),
    },
  };
}

/** Budgets with the overrides keyed by datapath id (the loader resolved the names). */
function budgetSettings(b: NonNullable<EffectiveSettings['config']['budgets']>): NonNullable<ControllerOptions['budgets']> {
  const { switches, ...defaults } = b;
  return { ...defaults, ...(switches ? { switches: new Map(switches.map(({ switch: dpid, ...rule }) => [dpid, rule])) } : {}) };
}

/** The API's HTTPS, rate limit and timeouts as the file gives them (startApi fills in the defaults). */
function apiTransport(s: EffectiveSettings): Omit<ControllerOptions['api'], 'host' | 'port'> {
  const a = s.config.api ?? {};
  return {
    ...(a.tls ? { tls: a.tls } : {}),
    ...(a.rateLimit !== undefined ? { rateLimit: a.rateLimit } : {}),
    ...(a.timeouts ? { timeouts: a.timeouts } : {}),
  };
}
