// The settings as validated: what a settings file may hold, field by field
// (docs/settings.md), before flags and environment are merged in.
import type { TopologyDescription } from '../topo/description.js';
import type { BudgetConfig } from './budgets.js';

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
  reconcile?: { auditIntervalMs?: number; auditFlowsPerSecond?: number; coalesceMs?: number; bundles?: boolean; maxHoldMs?: number; stickyGraceMs?: number };
  limits?: { packetInRate?: number; packetInBurst?: number; packetInPortRate?: number; packetInPortBurst?: number };
  discovery?: { probeIntervalMs?: number; maxProbesPerSecond?: number; settleMs?: number; undescribedSwitches?: 'allow' | 'refuse' };
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
