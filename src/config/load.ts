// The settings file (`--config FILE`, YAML or JSON). Loading returns a value:
// the settings, or an error whose message names the field at fault
// ("api.token", "topology.switches[2].dpid"). Relative paths in the file are
// read against the file's own directory.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadDescription } from '../topo/description.js';
import type { SpotlightConfig } from './settings.js';
import { FieldError } from '../field-error.js';
import { resolveSwitchNames, validateSettings } from './validate.js';

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
      resolveSwitchNames(c);
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
    return { ok: true, config: validateSettings(raw) };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, error: { code: 'CONFIG_INVALID', field: err.field, message: `${where}: ${err.field}: ${err.message}` } };
    throw err;
  }
}
