// Which value wins: a flag given on the command line, then the environment
// (SPOTLIGHT_API_TOKEN, SPOTLIGHT_LOG_LEVEL), then the settings file, then the
// built-in default.
import { access, constants } from 'node:fs/promises';
import type { ConfigError } from './load.js';
import { LOG_LEVELS, type ListenAddress, type LogLevel, type SpotlightConfig } from './settings.js';
import { DEFAULT_ETCD_PREFIX, parseStoreLocation, type EtcdSettings } from '../store/etcd-connection.js';

export interface ServeFlags {
  openflow?: ListenAddress;
  api?: ListenAddress;
  data?: string;
  /** etcd://HOST:PORT[,HOST:PORT...][/PREFIX] */
  store?: string;
  logLevel?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

export interface EffectiveSettings {
  openflow: ListenAddress;
  api: ListenAddress;
  data: string;
  logLevel: string;
  /** Undefined: no token, the API is open (loopback only). */
  apiToken?: string;
  tls?: { cert: string; key: string; ca: string };
  /** The model in etcd (else LevelDB under `data`). */
  etcd?: EtcdSettings;
  config: SpotlightConfig;
}

export const DEFAULTS = {
  openflow: { host: '0.0.0.0', port: 6653 },
  api: { host: '127.0.0.1', port: 8080 },
  data: './data',
  logLevel: 'info' as LogLevel,
};

/**
 * `given` holds only the flags the user typed (commander's option value
 * source 'cli'); defaults must not be passed in, or they would hide the file.
 */
export function effectiveSettings(given: ServeFlags, config: SpotlightConfig, env: NodeJS.ProcessEnv = process.env): EffectiveSettings {
  const out: EffectiveSettings = {
    openflow: given.openflow ?? config.openflow?.listen ?? DEFAULTS.openflow,
    api: given.api ?? config.api?.listen ?? DEFAULTS.api,
    data: given.data ?? config.data ?? DEFAULTS.data,
    logLevel: given.logLevel ?? (env.SPOTLIGHT_LOG_LEVEL || undefined) ?? config.log?.level ?? DEFAULTS.logLevel,
    config,
  };
  const token = env.SPOTLIGHT_API_TOKEN || config.api?.token;
  if (token) out.apiToken = token;
  if (given.tlsCert && given.tlsKey && given.tlsCa) out.tls = { cert: given.tlsCert, key: given.tlsKey, ca: given.tlsCa };
  else if (config.openflow?.tls) out.tls = config.openflow.tls;
  const etcd = etcdSettings(given.store ?? config.store?.url, config);
  if (etcd) out.etcd = etcd;
  return out;
}

/**
 * The checks every source of a setting goes through, whichever of flag,
 * environment or file it came from: the log level is one of the documented
 * ones, and every file the controller will read is readable (the switch
 * listener's and the API's certificates and keys). Run before
 * anything opens, so a bad value stops the start naming its field.
 */
export async function checkSettings(s: EffectiveSettings, given: ServeFlags, env: NodeJS.ProcessEnv = process.env): Promise<ConfigError | undefined> {
  if (!LOG_LEVELS.includes(s.logLevel as LogLevel)) {
    const from = given.logLevel !== undefined ? 'the --log-level flag' : env.SPOTLIGHT_LOG_LEVEL ? 'SPOTLIGHT_LOG_LEVEL' : 'the settings file';
    return { code: 'CONFIG_INVALID', field: 'log.level', message: `log.level: "${s.logLevel}" (from ${from}) is not one of ${LOG_LEVELS.join(', ')}` };
  }
  if (s.tls) {
    const fromFlags = given.tlsCert !== undefined;
    for (const [part, path] of Object.entries(s.tls) as [keyof typeof s.tls, string][]) {
      const field = fromFlags ? `--tls-${part}` : `openflow.tls.${part}`;
      try {
        await access(path, constants.R_OK);
      } catch (err) {
        return { code: 'CONFIG_INVALID', field, message: `${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
      }
    }
  }
  for (const [part, path] of Object.entries(s.config.api?.tls ?? {})) {
    try {
      await access(path, constants.R_OK);
    } catch (err) {
      const field = `api.tls.${part}`;
      return { code: 'CONFIG_INVALID', field, message: `${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
  }
  return agentTokensError(s);
}

/** Agent tokens need an operator token, and every token (file, environment or inline) must differ from the others. */
function agentTokensError(s: EffectiveSettings): ConfigError | undefined {
  const agents = s.config.api?.agents ?? [];
  if (agents.length === 0) return undefined;
  const bad = (field: string, message: string): ConfigError => ({ code: 'CONFIG_INVALID', field, message: `${field}: ${message}` });
  if (s.apiToken === undefined) {
    return bad('api.agents', 'agent tokens need an operator token (api.token, api.tokenFile or SPOTLIGHT_API_TOKEN): without one the API is open and every caller is the operator');
  }
  const seen = new Set([s.apiToken]);
  for (const [i, agent] of agents.entries()) {
    if (agent.token === undefined) return bad(`api.agents[${i}].tokenFile`, 'the token file was not read');
    if (seen.has(agent.token)) return bad(`api.agents[${i}].token`, `agent ${agent.name}'s token is the operator token or another agent's: every token must differ`);
    seen.add(agent.token);
  }
  return undefined;
}

function etcdSettings(url: string | undefined, config: SpotlightConfig): EtcdSettings | undefined {
  const where = url === undefined ? undefined : parseStoreLocation(url);
  if (where?.kind !== 'etcd') return undefined;
  const st = config.store ?? {};
  return {
    endpoints: where.endpoints,
    prefix: where.prefix ?? DEFAULT_ETCD_PREFIX,
    ...(st.tls ? { tls: st.tls } : {}),
    ...(st.username !== undefined && st.password !== undefined ? { auth: { username: st.username, password: st.password } } : {}),
    ...(st.callTimeoutMs !== undefined ? { callTimeoutMs: st.callTimeoutMs } : {}),
  };
}
