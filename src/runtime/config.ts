// The settings file (`--config FILE`, YAML or JSON): topology description,
// API token, OpenFlow TLS, audit interval and limits. Loading returns a value:
// either the settings or an error whose message names the field at fault.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface SpotlightConfig {
  /** Path of a fabric description (topology/*.yaml), resolved against the file's directory. */
  topology?: string;
  api?: { token?: string; bodyLimit?: number };
  openflow?: { tls?: { cert: string; key: string; ca: string } };
  reconcile?: { auditIntervalMs?: number; coalesceMs?: number; bundles?: boolean };
  limits?: { packetInRate?: number; packetInBurst?: number };
  discovery?: { probeIntervalMs?: number; settleMs?: number };
}

export type ConfigErrorCode = 'CONFIG_UNREADABLE' | 'CONFIG_PARSE' | 'CONFIG_INVALID';

export interface ConfigError {
  code: ConfigErrorCode;
  /** Dotted path of the bad field, when one is at fault. */
  field?: string;
  message: string;
}

export type ConfigResult = { ok: true; config: SpotlightConfig } | { ok: false; error: ConfigError };

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
  if (c.topology) c.topology = at(c.topology);
  if (c.openflow?.tls) c.openflow.tls = { cert: at(c.openflow.tls.cert), key: at(c.openflow.tls.key), ca: at(c.openflow.tls.ca) };
  return r;
}

/** Parses and validates settings text (YAML is a superset of JSON). */
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

class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, unknown>;

function object(v: unknown, field: string, keys: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FieldError(field || '(top level)', 'expected a mapping');
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

function validate(raw: unknown): SpotlightConfig {
  const top = object(raw, '', ['topology', 'api', 'openflow', 'reconcile', 'limits', 'discovery']);
  const c: SpotlightConfig = {};
  if (top.topology !== undefined) c.topology = str(top.topology, 'topology');
  if (top.api !== undefined) {
    const a = object(top.api, 'api', ['token', 'bodyLimit']);
    c.api = {};
    if (a.token !== undefined) c.api.token = str(a.token, 'api.token');
    if (a.bodyLimit !== undefined) c.api.bodyLimit = int(a.bodyLimit, 'api.bodyLimit', 1024, 64 * 1024 * 1024);
  }
  if (top.openflow !== undefined) {
    const o = object(top.openflow, 'openflow', ['tls']);
    c.openflow = {};
    if (o.tls !== undefined) {
      const t = object(o.tls, 'openflow.tls', ['cert', 'key', 'ca']);
      c.openflow.tls = { cert: str(t.cert, 'openflow.tls.cert'), key: str(t.key, 'openflow.tls.key'), ca: str(t.ca, 'openflow.tls.ca') };
    }
  }
  if (top.reconcile !== undefined) {
    const r = object(top.reconcile, 'reconcile', ['auditIntervalMs', 'coalesceMs', 'bundles']);
    c.reconcile = {};
    if (r.auditIntervalMs !== undefined) c.reconcile.auditIntervalMs = int(r.auditIntervalMs, 'reconcile.auditIntervalMs', 100, 86_400_000);
    if (r.coalesceMs !== undefined) c.reconcile.coalesceMs = int(r.coalesceMs, 'reconcile.coalesceMs', 0, 10_000);
    if (r.bundles !== undefined) c.reconcile.bundles = bool(r.bundles, 'reconcile.bundles');
  }
  if (top.limits !== undefined) {
    const l = object(top.limits, 'limits', ['packetInRate', 'packetInBurst']);
    c.limits = {};
    if (l.packetInRate !== undefined) c.limits.packetInRate = int(l.packetInRate, 'limits.packetInRate', 1, 1_000_000);
    if (l.packetInBurst !== undefined) c.limits.packetInBurst = int(l.packetInBurst, 'limits.packetInBurst', 1, 1_000_000);
  }
  if (top.discovery !== undefined) {
    const d = object(top.discovery, 'discovery', ['probeIntervalMs', 'settleMs']);
    c.discovery = {};
    if (d.probeIntervalMs !== undefined) c.discovery.probeIntervalMs = int(d.probeIntervalMs, 'discovery.probeIntervalMs', 50, 60_000);
    if (d.settleMs !== undefined) c.discovery.settleMs = int(d.settleMs, 'discovery.settleMs', 0, 600_000);
  }
  return c;
}
