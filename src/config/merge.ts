// Which value wins: a flag given on the command line, then the environment
// (SPOTLIGHT_API_TOKEN, SPOTLIGHT_LOG_LEVEL), then the settings file, then the
// built-in default.
import type { ListenAddress, LogLevel, SpotlightConfig } from './load.js';

export interface ServeFlags {
  openflow?: ListenAddress;
  api?: ListenAddress;
  data?: string;
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
  return out;
}
