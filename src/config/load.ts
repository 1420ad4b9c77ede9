// The settings file (`--config FILE`, YAML or JSON). Loading returns a value:
// the settings, or an error whose message names the field at fault
// ("api.token", "topology.switches[2].dpid"). Relative paths in the file are
// read against the file's own directory.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isFingerprint } from '../channel/identity.js';
import { switchDpid, SWITCH_FORMS } from '../model/ident.js';
import { findSwitch, loadDescription, normalizeDpid, validateDescription, type TopologyDescription } from '../topo/description.js';
import { parseStoreLocation } from '../store/etcd-connection.js';
import { parseBudgets, type BudgetConfig } from './budgets.js';
import { keysUnder } from './fields.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export interface SpotlightConfig {
  /** Path of a fabric description (topology/*.yaml), resolved against the file's directory. */
  topology?: string;
  /** The fabric description: inline in the file, or read from `topology` by loadConfig. */
  topologyDescription?: TopologyDescription;
  data?: string;
  log?: { level?: LogLevel };
  api?: {
    listen?: ListenAddress;
    token?: string;
    tokenFile?: string;
    bodyLimit?: number;
    /** HTTPS: the API's certificate and key (PEM paths). */
    tls?: { cert: string; key: string };
    /** Requests per client address in a window; false: no limit. */
    rateLimit?: { max?: number; timeWindowMs?: number } | false;
    timeouts?: { idleMs?: number; requestMs?: number; keepAliveMs?: number };
    /** Compute agents' tokens; `switches` as written (dpids or described names), resolved by controllerOptions. */
    agents?: AgentSettings[];
  };
  openflow?: {
    listen?: ListenAddress;
    tls?: { cert: string; key: string; ca: string; dpids?: Record<string, string[]> };
    keepalive?: { intervalMs?: number; maxMisses?: number };
    requireTls?: boolean;
    maxConnectionsPerAddress?: number;
    packetInPerPort?: number;
    multipart?: { maxParts?: number; maxEntries?: number; maxBytes?: number };
  };
  reconcile?: { auditIntervalMs?: number; coalesceMs?: number; bundles?: boolean; maxHoldMs?: number; stickyGraceMs?: number };
  limits?: { packetInRate?: number; packetInBurst?: number; packetInPortRate?: number; packetInPortBurst?: number };
  discovery?: { probeIntervalMs?: number; settleMs?: number; undescribedSwitches?: 'allow' | 'refuse' };
  /** The model in etcd instead of LevelDB (several controllers share it). */
  store?: StoreConfig;
  /** Flow-table budgets; switches resolved to datapath ids like the agents'. */
  budgets?: BudgetConfig;
}

export interface StoreConfig {
  /** etcd://HOST:PORT[,HOST:PORT...][/PREFIX] */
  url?: string;
  tls?: { ca: string; cert?: string; key?: string };
  username?: string;
  password?: string;
  passwordFile?: string;
  callTimeoutMs?: number;
}

export interface AgentSettings {
  name: string;
  token?: string;
  tokenFile?: string;
  switches: string[];
}

export type ConfigErrorCode = 'CONFIG_UNREADABLE' | 'CONFIG_PARSE' | 'CONFIG_INVALID';

export interface ConfigError {
  code: ConfigErrorCode;
  /** Dotted path of the bad field, when one is at fault. */
  field?: string;
  message: string;
}

export type ConfigResult = { ok: true; config: SpotlightConfig } | { ok: false; error: ConfigError };

/** Reads, validates and completes a settings file: paths resolved, token file and topology file read. */
export async function loadConfig(path: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, error: { code: 'CONFIG_UNREADABLE', message: `cannot read ${path}: ${(err as Error).message}` } };
  }
  const r = parseConfig(text, path);
  if (!r.ok) return r;
  const base = dirname(resolve(path));
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const c = r.config;
  const bad = (field: string, message: string): ConfigResult => ({
    ok: false,
    error: { code: 'CONFIG_INVALID', field, message: `${path}: ${field}: ${message}` },
  });
  if (c.data !== undefined) c.data = at(c.data);
  if (c.api?.tls) c.api.tls = { cert: at(c.api.tls.cert), key: at(c.api.tls.key) };
  if (c.openflow?.tls) c.openflow.tls = { ...c.openflow.tls, cert: at(c.openflow.tls.cert), key: at(c.openflow.tls.key), ca: at(c.openflow.tls.ca) };
  if (c.api?.tokenFile !== undefined) {
    c.api.tokenFile = at(c.api.tokenFile);
    let token: string;
    try {
      token = (await readFile(c.api.tokenFile, 'utf8')).trim();
    } catch (err) {
      return bad('api.tokenFile', `cannot read ${c.api.tokenFile}: ${(err as Error).message}`);
    }
    if (!/^\S+$/.test(token)) return bad('api.tokenFile', 'the file must hold one token without spaces');
    c.api.token = token;
  }
  for (const [i, agent] of (c.api?.agents ?? []).entries()) {
    if (agent.tokenFile === undefined) continue;
    agent.tokenFile = at(agent.tokenFile);
    let token: string;
    try {
      token = (await readFile(agent.tokenFile, 'utf8')).trim();
    } catch (err) {
      return bad(`api.agents[${i}].tokenFile`, `cannot read ${agent.tokenFile}: ${(err as Error).message}`);
    }
    if (!/^\S+$/.test(token)) return bad(`api.agents[${i}].tokenFile`, 'the file must hold one token without spaces');
    agent.token = token;
  }
  if (c.store?.tls) {
    const t = c.store.tls;
    c.store.tls = { ca: at(t.ca), ...(t.cert !== undefined ? { cert: at(t.cert) } : {}), ...(t.key !== undefined ? { key: at(t.key) } : {}) };
  }
  if (c.store?.passwordFile !== undefined) {
    c.store.passwordFile = at(c.store.passwordFile);
    try {
      c.store.password = (await readFile(c.store.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      return bad('store.passwordFile', `cannot read ${c.store.passwordFile}: ${(err as Error).message}`);
    }
  }
  if (c.topology !== undefined) {
    c.topology = at(c.topology);
    const d = await loadDescription(c.topology);
    if (!d.ok) return bad(d.error.field ? `topology(${c.topology}).${d.error.field}` : 'topology', d.error.message);
    c.topologyDescription = d.description;
    try {
      resolveAgentSwitches(c);
      resolveBudgetSwitches(c);
    } catch (err) {
      if (err instanceof FieldError) return bad(err.field, err.message);
      throw err;
    }
  }
  return r;
}

/** Parses and validates settings text (YAML is a superset of JSON); reads no other file. */
export function parseConfig(text: string, where = 'config'): ConfigResult {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return { ok: false, error: { code: 'CONFIG_PARSE', message: `${where}: not valid YAML: ${(err as Error).message}` } };
  }
  if (raw === null || raw === undefined) return { ok: true, config: {} };
  try {
    return { ok: true, config: validate(raw) };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, error: { code: 'CONFIG_INVALID', field: err.field, message: `${where}: ${err.field}: ${err.message}` } };
    throw err;
  }
}

// Used only inside validation to unwind to parseConfig with the field path.
class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, unknown>;

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

function validate(raw: unknown): SpotlightConfig {
  const top = mapping(raw, '');
  const c: SpotlightConfig = {};
  if (top.data !== undefined) c.data = str(top.data, 'data');
  if (top.log !== undefined) {
    const l = mapping(top.log, 'log');
    c.log = {};
    if (l.level !== undefined) {
      if (!LOG_LEVELS.includes(l.level as LogLevel)) throw new FieldError('log.level', `expected one of ${LOG_LEVELS.join(', ')}`);
      c.log.level = l.level as LogLevel;
    }
  }
  if (typeof top.topology === 'string' || top.topology === null) c.topology = str(top.topology, 'topology');
  else if (top.topology !== undefined) {
    // Inline: the same shape as a topology/*.yaml file.
    const d = validateDescription(top.topology);
    if (!d.ok) throw new FieldError(d.error.field ? `topology.${d.error.field}` : 'topology', d.error.message);
    c.topologyDescription = d.description;
  }
  if (top.api !== undefined) {
    const a = mapping(top.api, 'api');
    c.api = {};
    if (a.listen !== undefined) c.api.listen = listen(a.listen, 'api.listen');
    if (a.token !== undefined) {
      const t = str(a.token, 'api.token');
      if (!/^\S+$/.test(t)) throw new FieldError('api.token', 'a token has no spaces');
      c.api.token = t;
    }
    if (a.tokenFile !== undefined) {
      if (a.token !== undefined) throw new FieldError('api.tokenFile', 'set api.token or api.tokenFile, not both');
      c.api.tokenFile = str(a.tokenFile, 'api.tokenFile');
    }
    if (a.bodyLimit !== undefined) c.api.bodyLimit = int(a.bodyLimit, 'api.bodyLimit', 1024, 64 * 1024 * 1024);
    if (a.agents !== undefined) c.api.agents = agents(a.agents);
    if (a.tls !== undefined) {
      const t = mapping(a.tls, 'api.tls');
      c.api.tls = { cert: str(t.cert, 'api.tls.cert'), key: str(t.key, 'api.tls.key') };
    }
    if (a.rateLimit === false) c.api.rateLimit = false;
    else if (a.rateLimit !== undefined) {
      const r = mapping(a.rateLimit, 'api.rateLimit');
      c.api.rateLimit = {};
      if (r.max !== undefined) c.api.rateLimit.max = int(r.max, 'api.rateLimit.max', 1, 10_000_000);
      if (r.timeWindowMs !== undefined) c.api.rateLimit.timeWindowMs = int(r.timeWindowMs, 'api.rateLimit.timeWindowMs', 1000, 86_400_000);
    }
    if (a.timeouts !== undefined) {
      const t = mapping(a.timeouts, 'api.timeouts');
      c.api.timeouts = {};
      if (t.idleMs !== undefined) c.api.timeouts.idleMs = int(t.idleMs, 'api.timeouts.idleMs', 1000, 3_600_000);
      if (t.requestMs !== undefined) c.api.timeouts.requestMs = int(t.requestMs, 'api.timeouts.requestMs', 1000, 3_600_000);
      if (t.keepAliveMs !== undefined) c.api.timeouts.keepAliveMs = int(t.keepAliveMs, 'api.timeouts.keepAliveMs', 1000, 600_000);
    }
  }
  if (top.openflow !== undefined) {
    const o = mapping(top.openflow, 'openflow');
    c.openflow = {};
    if (o.listen !== undefined) c.openflow.listen = listen(o.listen, 'openflow.listen');
    if (o.tls !== undefined) {
      const t = mapping(o.tls, 'openflow.tls');
      c.openflow.tls = { cert: str(t.cert, 'openflow.tls.cert'), key: str(t.key, 'openflow.tls.key'), ca: str(t.ca, 'openflow.tls.ca') };
      if (t.dpids !== undefined) c.openflow.tls.dpids = certificateDpids(t.dpids);
    }
    if (o.requireTls !== undefined) c.openflow.requireTls = bool(o.requireTls, 'openflow.requireTls');
    if (o.maxConnectionsPerAddress !== undefined) c.openflow.maxConnectionsPerAddress = int(o.maxConnectionsPerAddress, 'openflow.maxConnectionsPerAddress', 1, 100_000);
    if (o.packetInPerPort !== undefined) c.openflow.packetInPerPort = int(o.packetInPerPort, 'openflow.packetInPerPort', 1, 1_000_000);
    if (o.multipart !== undefined) {
      const m = mapping(o.multipart, 'openflow.multipart');
      c.openflow.multipart = {};
      if (m.maxParts !== undefined) c.openflow.multipart.maxParts = int(m.maxParts, 'openflow.multipart.maxParts', 1, 1_000_000);
      if (m.maxEntries !== undefined) c.openflow.multipart.maxEntries = int(m.maxEntries, 'openflow.multipart.maxEntries', 1, 10_000_000);
      if (m.maxBytes !== undefined) c.openflow.multipart.maxBytes = int(m.maxBytes, 'openflow.multipart.maxBytes', 65_536, 1024 * 1024 * 1024);
    }
    if (o.keepalive !== undefined) {
      const k = mapping(o.keepalive, 'openflow.keepalive');
      c.openflow.keepalive = {};
      if (k.intervalMs !== undefined) c.openflow.keepalive.intervalMs = int(k.intervalMs, 'openflow.keepalive.intervalMs', 0, 600_000);
      if (k.maxMisses !== undefined) c.openflow.keepalive.maxMisses = int(k.maxMisses, 'openflow.keepalive.maxMisses', 1, 100);
    }
  }
  if (top.reconcile !== undefined) {
    const r = mapping(top.reconcile, 'reconcile');
    c.reconcile = {};
    if (r.auditIntervalMs !== undefined) c.reconcile.auditIntervalMs = int(r.auditIntervalMs, 'reconcile.auditIntervalMs', 100, 86_400_000);
    if (r.coalesceMs !== undefined) c.reconcile.coalesceMs = int(r.coalesceMs, 'reconcile.coalesceMs', 0, 10_000);
    if (r.bundles !== undefined) c.reconcile.bundles = bool(r.bundles, 'reconcile.bundles');
    if (r.maxHoldMs !== undefined) c.reconcile.maxHoldMs = int(r.maxHoldMs, 'reconcile.maxHoldMs', 0, 600_000);
    if (r.stickyGraceMs !== undefined) c.reconcile.stickyGraceMs = int(r.stickyGraceMs, 'reconcile.stickyGraceMs', 0, 3_600_000);
  }
  if (top.limits !== undefined) {
    const l = mapping(top.limits, 'limits');
    c.limits = {};
    if (l.packetInRate !== undefined) c.limits.packetInRate = int(l.packetInRate, 'limits.packetInRate', 1, 1_000_000);
    if (l.packetInBurst !== undefined) c.limits.packetInBurst = int(l.packetInBurst, 'limits.packetInBurst', 1, 1_000_000);
    if (l.packetInPortRate !== undefined) c.limits.packetInPortRate = int(l.packetInPortRate, 'limits.packetInPortRate', 1, 1_000_000);
    if (l.packetInPortBurst !== undefined) c.limits.packetInPortBurst = int(l.packetInPortBurst, 'limits.packetInPortBurst', 1, 1_000_000);
  }
  if (top.discovery !== undefined) {
    const d = mapping(top.discovery, 'discovery');
    c.discovery = {};
    if (d.probeIntervalMs !== undefined) c.discovery.probeIntervalMs = int(d.probeIntervalMs, 'discovery.probeIntervalMs', 50, 60_000);
    if (d.settleMs !== undefined) c.discovery.settleMs = int(d.settleMs, 'discovery.settleMs', 0, 600_000);
    if (d.undescribedSwitches !== undefined) {
      if (d.undescribedSwitches !== 'allow' && d.undescribedSwitches !== 'refuse') throw new FieldError('discovery.undescribedSwitches', 'expected allow or refuse');
      if (d.undescribedSwitches === 'refuse' && top.topology === undefined) {
        throw new FieldError('discovery.undescribedSwitches', 'refuse needs a topology description (every switch not in it would be refused)');
      }
      c.discovery.undescribedSwitches = d.undescribedSwitches;
    }
  }
  if (top.store !== undefined) c.store = storeSettings(mapping(top.store, 'store'));
  if (top.budgets !== undefined) {
    const b = parseBudgets(top.budgets);
    if (!b.ok) throw new FieldError(b.field, b.message);
    c.budgets = b.budgets;
  }
  // A description in a file is read later (loadConfig), which resolves the names then.
  if (c.topology === undefined) {
    resolveAgentSwitches(c);
    resolveBudgetSwitches(c);
  }
  return c;
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
