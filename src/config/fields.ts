// Every setting of the settings file, by its dotted path. The loader accepts
// exactly these keys (anything else is refused by name), and docs/settings.md
// documents each one (test/unit/config/docs.test.ts holds the two in step).

export interface SettingField {
  /** Dotted path as written in the file and in error messages. */
  path: string;
  /** What kind of value it takes, as the docs show it. */
  kind: string;
  /** The value used when neither the file nor a flag sets it. */
  default: string;
  /** The `spotlight serve` flag that overrides it, if any. */
  flag?: string;
}

export const SETTING_FIELDS: readonly SettingField[] = [
  { path: 'data', kind: 'path', default: './data', flag: '--data' },
  { path: 'log', kind: 'mapping', default: '' },
  { path: 'log.level', kind: 'error | warn | info | debug', default: 'info', flag: '--log-level' },
  { path: 'api', kind: 'mapping', default: '' },
  { path: 'api.listen', kind: 'HOST:PORT', default: '127.0.0.1:8080', flag: '--api' },
  { path: 'api.token', kind: 'string', default: 'none (SPOTLIGHT_API_TOKEN)' },
  { path: 'api.tokenFile', kind: 'path', default: 'none' },
  { path: 'api.agents', kind: 'list of {name, token or tokenFile, switches}', default: 'none' },
  { path: 'api.bodyLimit', kind: 'integer (bytes)', default: '1048576' },
  { path: 'api.tls', kind: 'mapping', default: 'none (plain HTTP)' },
  { path: 'api.tls.cert', kind: 'path', default: '' },
  { path: 'api.tls.key', kind: 'path', default: '' },
  { path: 'api.rateLimit', kind: 'mapping, or false for no limit', default: '' },
  { path: 'api.rateLimit.max', kind: 'integer', default: '6000' },
  { path: 'api.rateLimit.timeWindowMs', kind: 'integer (ms)', default: '60000' },
  { path: 'api.timeouts', kind: 'mapping', default: '' },
  { path: 'api.timeouts.idleMs', kind: 'integer (ms)', default: '120000' },
  { path: 'api.timeouts.requestMs', kind: 'integer (ms)', default: '60000' },
  { path: 'api.timeouts.keepAliveMs', kind: 'integer (ms)', default: '5000' },
  { path: 'openflow', kind: 'mapping', default: '' },
  { path: 'openflow.listen', kind: 'HOST:PORT', default: '0.0.0.0:6653', flag: '--openflow' },
  { path: 'openflow.tls', kind: 'mapping', default: 'none (plain TCP)' },
  { path: 'openflow.tls.cert', kind: 'path', default: '', flag: '--tls-cert' },
  { path: 'openflow.tls.key', kind: 'path', default: '', flag: '--tls-key' },
  { path: 'openflow.tls.ca', kind: 'path', default: '', flag: '--tls-ca' },
  { path: 'openflow.tls.dpids', kind: 'certificate -> list of dpids', default: 'none (certificates name their dpids)' },
  { path: 'openflow.requireTls', kind: 'boolean', default: 'false' },
  { path: 'openflow.maxConnectionsPerAddress', kind: 'integer', default: '64' },
  { path: 'openflow.packetInPerPort', kind: 'integer (per second)', default: '100' },
  { path: 'openflow.multipart', kind: 'mapping', default: '' },
  { path: 'openflow.multipart.maxParts', kind: 'integer', default: '4096' },
  { path: 'openflow.multipart.maxEntries', kind: 'integer', default: '50000' },
  { path: 'openflow.multipart.maxBytes', kind: 'integer (bytes)', default: '16777216' },
  { path: 'openflow.keepalive', kind: 'mapping', default: '' },
  { path: 'openflow.keepalive.intervalMs', kind: 'integer (ms)', default: '5000' },
  { path: 'openflow.keepalive.maxMisses', kind: 'integer', default: '3' },
  { path: 'topology', kind: 'path or mapping', default: 'none (discovery only)' },
  { path: 'reconcile', kind: 'mapping', default: '' },
  { path: 'reconcile.auditIntervalMs', kind: 'integer (ms)', default: '60000' },
  { path: 'reconcile.auditFlowsPerSecond', kind: 'integer (per second)', default: '2000' },
  { path: 'reconcile.coalesceMs', kind: 'integer (ms)', default: '0' },
  { path: 'reconcile.bundles', kind: 'boolean', default: 'true' },
  { path: 'reconcile.maxHoldMs', kind: 'integer (ms)', default: '15000' },
  { path: 'reconcile.stickyGraceMs', kind: 'integer (ms)', default: '30000' },
  { path: 'limits', kind: 'mapping', default: '' },
  { path: 'limits.packetInRate', kind: 'integer (per second)', default: '100' },
  { path: 'limits.packetInBurst', kind: 'integer', default: '50' },
  { path: 'limits.packetInPortRate', kind: 'integer (per second)', default: '50' },
  { path: 'limits.packetInPortBurst', kind: 'integer', default: '50' },
  { path: 'budgets', kind: 'mapping', default: 'none (only what each switch reports)' },
  { path: 'budgets.flows', kind: 'integer (table entries)', default: 'none' },
  { path: 'budgets.profile', kind: 'flows | pica8', default: 'flows' },
  { path: 'budgets.matchModes', kind: 'list of PicOS match modes', default: 'none' },
  { path: 'budgets.switches', kind: 'list of {switch, flows, profile, matchModes}', default: 'none' },
  { path: 'discovery', kind: 'mapping', default: '' },
  { path: 'discovery.probeIntervalMs', kind: 'integer (ms)', default: '1000' },
  { path: 'discovery.maxProbesPerSecond', kind: 'integer (per second)', default: '1000' },
  { path: 'discovery.settleMs', kind: 'integer (ms)', default: '3 x probeIntervalMs' },
  { path: 'discovery.undescribedSwitches', kind: 'allow | refuse', default: 'allow' },
  { path: 'store', kind: 'mapping', default: 'none (LevelDB under data)' },
  { path: 'store.url', kind: 'etcd://HOST:PORT[,HOST:PORT...][/PREFIX]', default: 'none', flag: '--store' },
  { path: 'store.tls', kind: 'mapping', default: 'none (plain)' },
  { path: 'store.tls.ca', kind: 'path', default: '' },
  { path: 'store.tls.cert', kind: 'path', default: 'none' },
  { path: 'store.tls.key', kind: 'path', default: 'none' },
  { path: 'store.username', kind: 'string', default: 'none' },
  { path: 'store.password', kind: 'string', default: 'none' },
  { path: 'store.passwordFile', kind: 'path', default: 'none' },
  { path: 'store.callTimeoutMs', kind: 'integer (ms)', default: '5000' },
];

/** Keys allowed directly under a mapping ('' for the top level). */
export function keysUnder(parent: string): string[] {
  const prefix = parent === '' ? '' : `${parent}.`;
  return SETTING_FIELDS.filter((f) => f.path.startsWith(prefix) && !f.path.slice(prefix.length).includes('.')).map((f) =>
    f.path.slice(prefix.length),
  );
}
