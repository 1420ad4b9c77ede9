// Where the etcd store is and how to reach it: the `--store etcd://...` URL,
// the `store:` settings (TLS, user and password), and the client built from
// them. One client per process serves the store and the cluster parts.
import { readFileSync } from 'node:fs';
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { StoreError } from './errors.js';

export interface EtcdSettings {
  /** host:port of each member; the client moves to another when one fails. */
  endpoints: string[];
  /** Every key Spotlight writes starts with this (ends with "/"). */
  prefix: string;
  tls?: { ca: string; cert?: string; key?: string };
  auth?: { username: string; password: string };
  /** Deadline of each etcd call (a write, a read), in ms. */
  callTimeoutMs?: number;
}

export const DEFAULT_ETCD_PREFIX = '/spotlight/';
export const DEFAULT_ETCD_CALL_TIMEOUT_MS = 5000;

export type StoreLocation = { kind: 'leveldb'; dir: string } | { kind: 'etcd'; endpoints: string[]; prefix?: string };

/**
 * `etcd://HOST:PORT[,HOST:PORT...][/PREFIX]`, or a LevelDB directory (a path,
 * or `leveldb:PATH`). undefined: an etcd URL that does not parse.
 */
export function parseStoreLocation(text: string): StoreLocation | undefined {
  if (text.startsWith('leveldb:')) return text.length > 8 ? { kind: 'leveldb', dir: text.slice(8) } : undefined;
  if (!text.startsWith('etcd://')) return text.length > 0 ? { kind: 'leveldb', dir: text } : undefined;
  const rest = text.slice('etcd://'.length);
  const slash = rest.indexOf('/');
  const hosts = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  const endpoints = hosts.split(',');
  for (const e of endpoints) {
    const m = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(e);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) return undefined;
  }
  if (path !== '' && !/^(\/[A-Za-z0-9._-]+)+\/?$/.test(path)) return undefined;
  return { kind: 'etcd', endpoints, ...(path !== '' && path !== '/' ? { prefix: path.endsWith('/') ? path : `${path}/` } : {}) };
}

/** The client. Connecting is lazy: the first call fails if no member answers. */
export function connectEtcd(s: EtcdSettings): Etcd3 {
  const scheme = s.tls ? 'https' : 'http';
  const timeout = s.callTimeoutMs ?? DEFAULT_ETCD_CALL_TIMEOUT_MS;
  const options: IOptions = {
    hosts: s.endpoints.map((e) => `${scheme}://${e}`),
    // Streams (watches, lease keep-alives) live as long as they are needed; every other call has a deadline.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    grpcOptions: {
      // Notice a dead member within seconds rather than at the OS's TCP timeout.
      'grpc.keepalive_time_ms': 1000,
      'grpc.keepalive_timeout_ms': 1000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    },
    faultHandling: {
      // A watch whose member went away tries again at most a second apart. The
      // client's default backoff doubles up to 30 s, so after an outage of some
      // seconds the watches resumed up to half a minute after etcd was back, and
      // with them the election: followers campaign when the watch shows the
      // leader key gone.
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }).next(),
      // A member that failed three calls in a row is skipped, and tried again
      // after 1 s (the client's default: 5 s, which was as long again before a
      // member that came back was used).
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) }),
    },
  };
  if (s.tls) {
    try {
      options.credentials = {
        rootCertificate: readFileSync(s.tls.ca),
        ...(s.tls.key !== undefined ? { privateKey: readFileSync(s.tls.key) } : {}),
        ...(s.tls.cert !== undefined ? { certChain: readFileSync(s.tls.cert) } : {}),
      };
    } catch (cause) {
      throw new StoreError('store_unreadable', `cannot read the etcd TLS files: ${(cause as Error).message}`, { cause });
    }
  }
  if (s.auth) options.auth = { username: s.auth.username, password: s.auth.password };
  return new Etcd3(options);
}

/** "etcd://a:2379,b:2379/spotlight/": where the store is, for logs and errors (never the password). */
export function describeEtcd(s: EtcdSettings): string {
  return `etcd://${s.endpoints.join(',')}${s.prefix}`;
}
