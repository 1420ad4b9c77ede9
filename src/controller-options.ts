// Effective settings -> the Controller's options (everything but the logger),
// so `spotlight serve` is: load the file, merge the flags, build, start.
import type { EffectiveSettings } from './config/index.js';
import type { ControllerOptions } from './controller.js';

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
