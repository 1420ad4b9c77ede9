// What every route needs: the store, the realization tracker and the views
// of the rest of the controller.
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log.js';
import type { SwitchNameLookup } from '../model/ident.js';
import type { Store } from '../store/index.js';
import type { AgentToken } from './auth.js';
import type { ApiMetrics, ClusterView, CompiledView, FabricView, SwitchDirectory, TopologyView, WriteAdmission } from './deps.js';
import type { ConnectionTimeouts, RateLimitSettings } from './guards.js';
import type { ChangeRealization } from './realization.js';

export interface ApiDeps {
  store: Store;
  realization?: ChangeRealization;
  switches?: SwitchDirectory;
  topology?: TopologyView;
  /** Switch names from the topology settings; none by default. */
  lookupSwitch?: SwitchNameLookup;
  /** Bearer token; when set, every call must carry it (or an agent token). */
  token?: string;
  /** Compute agents' tokens, each limited to its switches (needs `token`). */
  agents?: AgentToken[];
  /** Body size limit in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Requests per client address; none by default (startApi sets DEFAULT_RATE_LIMIT). */
  rateLimit?: RateLimitSettings;
  /** Only Host headers naming loopback are answered (an open loopback API). */
  loopbackHostsOnly?: boolean;
  /** Connection timeouts (default DEFAULT_TIMEOUTS). */
  timeouts?: ConnectionTimeouts;
  /** HTTPS: the certificate and key, PEM. */
  tls?: { cert: Buffer; key: Buffer };
  /** The fabric as discovered, and what is compiled over it: explain and trace read them; none by default. */
  fabric?: FabricView;
  compiled?: CompiledView;
  /** Prometheus metrics served at GET /metrics (behind the same token); none by default. */
  metrics?: ApiMetrics;
  /** Health: true once the store is open and the listeners are up (default: always). */
  ready?: () => boolean;
  /** The event stream behind GET /v1/events; none by default. */
  events?: EventBus;
  /** GET /v1/cluster: the instances and each switch's master; none by default. */
  cluster?: ClusterView;
  /** Writes checked against the switches' table budgets before they are stored; none by default. */
  admission?: WriteAdmission;
  logger: Logger;
}

export interface ApiContext {
  store: Store;
  realization: ChangeRealization;
  switches: SwitchDirectory;
  topology: TopologyView;
  lookupSwitch?: SwitchNameLookup;
  fabric?: FabricView;
  compiled?: CompiledView;
  events?: EventBus;
  admission?: WriteAdmission;
  ready: () => boolean;
  logger: Logger;
}
