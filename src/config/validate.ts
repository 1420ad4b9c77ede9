// Validation of the settings file's content, section by section: every field
// checked for its type and range, unknown ones refused, errors naming the
// dotted path of the field at fault ("api.token", "topology.switches[2].dpid").
import { isFingerprint } from '../channel/identity.js';
import { FieldError } from '../field-error.js';
import { switchDpid, SWITCH_FORMS } from '../model/ident.js';
import { findSwitch, normalizeDpid, validateDescription } from '../topo/description.js';
import { parseStoreLocation } from '../store/etcd-connection.js';
import { parseBudgets, type BudgetConfig } from './budgets.js';
import { keysUnder } from './fields.js';
import { LOG_LEVELS, type AgentSettings, type ListenAddress, type LogLevel, type SpotlightConfig, type StoreConfig } from './settings.js';

type Obj = Record<string, unknown>;

/** Checks raw settings (parsed YAML) field by field and returns them typed; throws FieldError naming the first field at fault. */
export function validateSettings(raw: unknown): SpotlightConfig {
  const top = mapping(raw, '');
  const c: SpotlightConfig = {};
  if (top.data !== undefined) c.data = str(top.data, 'data');
  if (top.log !== undefined) c.log = logSettings(top.log);
  if (top.topology !== undefined) Object.assign(c, topologySetting(top.topology));
  if (top.api !== undefined) c.api = apiSettings(top.api);
  if (top.openflow !== undefined) c.openflow = openflowSettings(top.openflow);
  if (top.reconcile !== undefined) c.reconcile = reconcileSettings(top.reconcile);
  if (top.limits !== undefined) c.limits = limitsSettings(top.limits);
  if (top.discovery !== undefined) c.discovery = discoverySettings(top.discovery, top.topology !== undefined);
  if (top.store !== undefined) c.store = storeSettings(mapping(top.store, 'store'));
  if (top.budgets !== undefined) c.budgets = budgetSettings(top.budgets);
  // A description in a file is read later (loadConfig), which resolves the names then.
  if (c.topology === undefined) resolveSwitchNames(c);
  return c;
}

/** Agents' and budget overrides' switches as canonical dpids, names looked up in the topology description. */
export function resolveSwitchNames(c: SpotlightConfig): void {
  resolveAgentSwitches(c);
  resolveBudgetSwitches(c);
}

function logSettings(v: unknown): NonNullable<SpotlightConfig['log']> {
  const l = mapping(v, 'log');
  const out: NonNullable<SpotlightConfig['log']> = {};
  if (l.level !== undefined) {
    if (!LOG_LEVELS.includes(l.level as LogLevel)) throw new FieldError('log.level', `expected one of ${LOG_LEVELS.join(', ')}`);
    out.level = l.level as LogLevel;
  }
  return out;
}

/** A path to a description file, or the description inline (the same shape as a topology/*.yaml file). */
function topologySetting(v: unknown): Pick<SpotlightConfig, 'topology' | 'topologyDescription'> {
  if (typeof v === 'string' || v === null) return { topology: str(v, 'topology') };
  const d = validateDescription(v);
  if (!d.ok) throw new FieldError(d.error.field ? `topology.${d.error.field}` : 'topology', d.error.message);
  return { topologyDescription: d.description };
}

function apiSettings(v: unknown): NonNullable<SpotlightConfig['api']> {
  const a = mapping(v, 'api');
  const out: NonNullable<SpotlightConfig['api']> = {};
  if (a.listen !== undefined) out.listen = listen(a.listen, 'api.listen');
  if (a.token !== undefined) {
    const t = str(a.token, 'api.token');
    if (!/^\S+$/.test(t)) throw new FieldError('api.token', 'a token has no spaces');
    out.token = t;
  }
  if (a.tokenFile !== undefined) {
    if (a.token !== undefined) throw new FieldError('api.tokenFile', 'set api.token or api.tokenFile, not both');
    out.tokenFile = str(a.tokenFile, 'api.tokenFile');
  }
  if (a.bodyLimit !== undefined) out.bodyLimit = int(a.bodyLimit, 'api.bodyLimit', 1024, 64 * 1024 * 1024);
  if (a.agents !== undefined) out.agents = agents(a.agents);
  if (a.tls !== undefined) {
    const t = mapping(a.tls, 'api.tls');
    out.tls = { cert: str(t.cert, 'api.tls.cert'), key: str(t.key, 'api.tls.key') };
  }
  if (a.rateLimit === false) out.rateLimit = false;
  else if (a.rateLimit !== undefined) {
    out.rateLimit = ints(mapping(a.rateLimit, 'api.rateLimit'), 'api.rateLimit', { max: [1, 10_000_000], timeWindowMs: [1000, 86_400_000] });
  }
  if (a.timeouts !== undefined) {
    out.timeouts = ints(mapping(a.timeouts, 'api.timeouts'), 'api.timeouts', { idleMs: [1000, 3_600_000], requestMs: [1000, 3_600_000], keepAliveMs: [1000, 600_000] });
  }
  return out;
}

function openflowSettings(v: unknown): NonNullable<SpotlightConfig['openflow']> {
  const o = mapping(v, 'openflow');
  const out: NonNullable<SpotlightConfig['openflow']> = {};
  if (o.listen !== undefined) out.listen = listen(o.listen, 'openflow.listen');
  if (o.tls !== undefined) {
    const t = mapping(o.tls, 'openflow.tls');
    out.tls = { cert: str(t.cert, 'openflow.tls.cert'), key: str(t.key, 'openflow.tls.key'), ca: str(t.ca, 'openflow.tls.ca') };
    if (t.dpids !== undefined) out.tls.dpids = certificateDpids(t.dpids);
  }
  if (o.requireTls !== undefined) out.requireTls = bool(o.requireTls, 'openflow.requireTls');
  if (o.maxConnectionsPerAddress !== undefined) out.maxConnectionsPerAddress = int(o.maxConnectionsPerAddress, 'openflow.maxConnectionsPerAddress', 1, 100_000);
  if (o.packetInPerPort !== undefined) out.packetInPerPort = int(o.packetInPerPort, 'openflow.packetInPerPort', 1, 1_000_000);
  if (o.multipart !== undefined) {
    out.multipart = ints(mapping(o.multipart, 'openflow.multipart'), 'openflow.multipart', { maxParts: [1, 1_000_000], maxEntries: [1, 10_000_000], maxBytes: [65_536, 1024 * 1024 * 1024] });
  }
  if (o.keepalive !== undefined) {
    out.keepalive = ints(mapping(o.keepalive, 'openflow.keepalive'), 'openflow.keepalive', { intervalMs: [0, 600_000], maxMisses: [1, 100] });
  }
  return out;
}

function reconcileSettings(v: unknown): NonNullable<SpotlightConfig['reconcile']> {
  const r = mapping(v, 'reconcile');
  const out: NonNullable<SpotlightConfig['reconcile']> = ints(r, 'reconcile', { auditIntervalMs: [100, 86_400_000], auditFlowsPerSecond: [10, 100_000_000], coalesceMs: [0, 10_000] });
  if (r.bundles !== undefined) out.bundles = bool(r.bundles, 'reconcile.bundles');
  return Object.assign(out, ints(r, 'reconcile', { maxHoldMs: [0, 600_000], stickyGraceMs: [0, 3_600_000] }));
}

function limitsSettings(v: unknown): NonNullable<SpotlightConfig['limits']> {
  const rate = [1, 1_000_000] as const;
  return ints(mapping(v, 'limits'), 'limits', { packetInRate: rate, packetInBurst: rate, packetInPortRate: rate, packetInPortBurst: rate });
}

/** `described`: the settings name a topology (a file or inline), which refusing undescribed switches needs. */
function discoverySettings(v: unknown, described: boolean): NonNullable<SpotlightConfig['discovery']> {
  const d = mapping(v, 'discovery');
  const out: NonNullable<SpotlightConfig['discovery']> = ints(d, 'discovery', { probeIntervalMs: [50, 60_000], maxProbesPerSecond: [10, 1_000_000], settleMs: [0, 600_000] });
  if (d.undescribedSwitches !== undefined) {
    if (d.undescribedSwitches !== 'allow' && d.undescribedSwitches !== 'refuse') throw new FieldError('discovery.undescribedSwitches', 'expected allow or refuse');
    if (d.undescribedSwitches === 'refuse' && !described) {
      throw new FieldError('discovery.undescribedSwitches', 'refuse needs a topology description (every switch not in it would be refused)');
    }
    out.undescribedSwitches = d.undescribedSwitches;
  }
  return out;
}

function storeSettings(st: Obj): StoreConfig {
  const out: StoreConfig = {};
  if (st.url !== undefined) {
    const url = str(st.url, 'store.url');
    if (parseStoreLocation(url)?.kind !== 'etcd') throw new FieldError('store.url', `expected etcd://HOST:PORT[,HOST:PORT...][/PREFIX], got "${url}"`);
    out.url = url;
  }
  if (st.tls !== undefined) {
    const t = mapping(st.tls, 'store.tls');
    out.tls = { ca: str(t.ca, 'store.tls.ca') };
    if ((t.cert === undefined) !== (t.key === undefined)) throw new FieldError(t.cert === undefined ? 'store.tls.cert' : 'store.tls.key', 'a client certificate needs both cert and key');
    if (t.cert !== undefined) out.tls.cert = str(t.cert, 'store.tls.cert');
    if (t.key !== undefined) out.tls.key = str(t.key, 'store.tls.key');
  }
  if (st.username !== undefined) out.username = str(st.username, 'store.username');
  if (st.password !== undefined) out.password = str(st.password, 'store.password');
  if (st.passwordFile !== undefined) {
    if (st.password !== undefined) throw new FieldError('store.passwordFile', 'set store.password or store.passwordFile, not both');
    out.passwordFile = str(st.passwordFile, 'store.passwordFile');
  }
  if ((out.password !== undefined || out.passwordFile !== undefined) && out.username === undefined) throw new FieldError('store.username', 'a password needs a username');
  if (out.username !== undefined && out.password === undefined && out.passwordFile === undefined) throw new FieldError('store.password', 'a username needs a password (or passwordFile)');
  if (st.callTimeoutMs !== undefined) out.callTimeoutMs = int(st.callTimeoutMs, 'store.callTimeoutMs', 100, 60_000);
  return out;
}

function budgetSettings(v: unknown): BudgetConfig {
  const b = parseBudgets(v);
  if (!b.ok) throw new FieldError(b.field, b.message);
  return b.budgets;
}

function mapping(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FieldError(field || '(top level)', 'expected a mapping');
  const keys = keysUnder(field);
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) throw new FieldError(field ? `${field}.${k}` : k, `unknown setting (known: ${keys.join(', ')})`);
  }
  return v as Obj;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new FieldError(field, 'expected a non-empty string');
  return v;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new FieldError(field, `expected an integer from ${min} to ${max}`);
  return v;
}

/** A section's integer settings that are set, each checked against its range ({ key: [min, max] }), in the order given. */
function ints<K extends string>(section: Obj, at: string, ranges: Record<K, readonly [min: number, max: number]>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [key, [min, max]] of Object.entries(ranges) as [K, readonly [number, number]][]) {
    if (section[key] !== undefined) out[key] = int(section[key], `${at}.${key}`, min, max);
  }
  return out;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new FieldError(field, 'expected true or false');
  return v;
}

/** Compute agents: a name, one token (or a file holding it), the switches it may bind. */
function agents(v: unknown): AgentSettings[] {
  const field = 'api.agents';
  if (!Array.isArray(v)) throw new FieldError(field, 'expected a list of agents, each with name, token (or tokenFile) and switches');
  const names = new Set<string>();
  return v.map((raw, i) => {
    const at = `${field}[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FieldError(at, 'expected a mapping with name, token (or tokenFile) and switches');
    const a = raw as Record<string, unknown>;
    for (const k of Object.keys(a)) if (!['name', 'token', 'tokenFile', 'switches'].includes(k)) throw new FieldError(`${at}.${k}`, 'unknown setting (known: name, token, tokenFile, switches)');
    const name = str(a.name, `${at}.name`);
    if (names.has(name)) throw new FieldError(`${at}.name`, `agent ${name} is listed twice`);
    names.add(name);
    const out: AgentSettings = { name, switches: [] };
    if ((a.token === undefined) === (a.tokenFile === undefined)) throw new FieldError(`${at}.token`, 'set token or tokenFile, one of them');
    if (a.token !== undefined) {
      const t = str(a.token, `${at}.token`);
      if (!/^\S+$/.test(t)) throw new FieldError(`${at}.token`, 'a token has no spaces');
      out.token = t;
    } else out.tokenFile = str(a.tokenFile, `${at}.tokenFile`);
    if (!Array.isArray(a.switches) || a.switches.length === 0) throw new FieldError(`${at}.switches`, 'expected a non-empty list of switches (datapath ids or described names)');
    out.switches = a.switches.map((s, j) => (typeof s === 'number' ? (normalizeDpid(s) ?? String(s)) : str(s, `${at}.switches[${j}]`)));
    return out;
  });
}

/** Agents' switches as canonical dpids: datapath ids as the API reads them, or names from the description. */
function resolveAgentSwitches(c: SpotlightConfig): void {
  const desc = c.topologyDescription;
  const lookup = desc ? (name: string) => findSwitch(desc, name)?.dpid : undefined;
  for (const [i, agent] of (c.api?.agents ?? []).entries()) {
    agent.switches = agent.switches.map((ref, j) => {
      const dpid = switchDpid(ref, lookup);
      if (dpid === undefined) throw new FieldError(`api.agents[${i}].switches[${j}]`, `"${ref}" is neither a datapath id (${SWITCH_FORMS}) nor a switch the topology names`);
      return dpid;
    });
  }
}

/** Budget overrides' switches as canonical dpids, as for the agents. */
function resolveBudgetSwitches(c: SpotlightConfig): void {
  const desc = c.topologyDescription;
  const lookup = desc ? (name: string) => findSwitch(desc, name)?.dpid : undefined;
  const seen = new Set<string>();
  for (const [i, s] of (c.budgets?.switches ?? []).entries()) {
    const dpid = switchDpid(s.switch, lookup);
    if (dpid === undefined) throw new FieldError(`budgets.switches[${i}].switch`, `"${s.switch}" is neither a datapath id (${SWITCH_FORMS}) nor a switch the topology names`);
    if (seen.has(dpid)) throw new FieldError(`budgets.switches[${i}].switch`, `${s.switch} is ${dpid}, listed before`);
    seen.add(dpid);
    s.switch = dpid;
  }
}

/** Certificate (SHA-256 fingerprint or subject CN) -> the dpids it may claim, canonical. */
function certificateDpids(v: unknown): Record<string, string[]> {
  const field = 'openflow.tls.dpids';
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FieldError(field, 'expected a mapping from a certificate (SHA-256 fingerprint or subject CN) to a list of datapath ids');
  const out: Record<string, string[]> = {};
  for (const [cert, list] of Object.entries(v)) {
    const f = `${field}.${cert}`;
    if (cert.includes(':') && !isFingerprint(cert) && /^[0-9a-fA-F:]+$/.test(cert)) throw new FieldError(f, 'a fingerprint is 32 hex bytes separated by colons (openssl x509 -noout -fingerprint -sha256)');
    if (!Array.isArray(list) || list.length === 0) throw new FieldError(f, 'expected a non-empty list of datapath ids');
    out[cert] = list.map((d, i) => {
      const dpid = normalizeDpid(d);
      if (dpid === undefined) throw new FieldError(`${f}[${i}]`, 'expected a datapath id: an integer, up to 16 hex digits, or the colon form');
      return dpid;
    });
  }
  return out;
}

/** "HOST:PORT", "[v6]:PORT" or ":PORT" (all addresses); port 0 asks for any free port. */
export function parseListen(text: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function listen(v: unknown, field: string): ListenAddress {
  const a = parseListen(str(v, field));
  if (!a) throw new FieldError(field, `expected HOST:PORT, got "${String(v)}"`);
  return a;
}
