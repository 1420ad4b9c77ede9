// The instances of a cluster, each as it describes itself in etcd.
//
// Every instance keeps one key, `PREFIX/cluster/instances/ID`, bound to a
// lease of its own (the election's TTL, kept alive every second): its API
// and OpenFlow addresses and, for each switch it has a session to, the role
// that switch last stated for it. etcd deletes the key when the lease runs
// out, so an instance that died or stays paused past the TTL drops out by
// itself; one that comes back writes its key again under a new lease.
//
// Every instance watches the prefix. An instance whose key went away is
// still listed, as not alive, for `forgetAfterMs` (at most MAX_GONE of
// them), so an operator sees which one left.
import type { Etcd3, Lease, Namespace, Watcher } from 'etcd3';
import type { Logger } from '../log.js';
import type { SwitchStatedRole } from './switch-roles.js';
import { readAndWatchPrefix } from './prefix-watch.js';

export const INSTANCES_PREFIX = 'cluster/instances/';

/** Wait this long after a role change before writing, so a failover over many switches is one write. */
const WRITE_DELAY_MS = 50;
/** Instances that left, listed at most this many. */
const MAX_GONE = 32;

export interface InstanceRecord {
  /** API base URL, as it listens ("http://127.0.0.1:8080"). */
  api: string | null;
  /** OpenFlow listener, "host:port". */
  openflow: string | null;
  /** Per switch: [role, generation id] as the switch last stated them. */
  roles: Record<string, ['master' | 'slave', string]>;
}

export interface InstanceView extends InstanceRecord {
  id: string;
  alive: boolean;
  /** When a gone instance's key went away (ms since the epoch). */
  leftAt?: number;
}

export interface MembershipOptions {
  client: Etcd3;
  /** Ends with "/". */
  prefix: string;
  instanceId: string;
  logger: Logger;
  /** What switches said of this instance's role, read at each write. */
  roles: () => ReadonlyMap<string, SwitchStatedRole>;
  ttlSeconds?: number;
  /** How long a gone instance stays listed (default 10 minutes). */
  forgetAfterMs?: number;
  now?: () => number;
}

const DPID = /^[0-9a-f]{16}$/;
const GENERATION = /^\d+$/;

/** The record, or undefined when it is not one Spotlight wrote. */
export function decodeInstance(text: string): InstanceRecord | undefined {
  let r: InstanceRecord;
  try {
    r = JSON.parse(text) as InstanceRecord;
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  if ((r.api !== null && typeof r.api !== 'string') || (r.openflow !== null && typeof r.openflow !== 'string')) return undefined;
  if (typeof r.roles !== 'object' || r.roles === null || Array.isArray(r.roles)) return undefined;
  const roles: InstanceRecord['roles'] = {};
  for (const [dpid, v] of Object.entries(r.roles)) {
    if (!DPID.test(dpid) || !Array.isArray(v) || v.length !== 2) return undefined;
    const [role, gen] = v as unknown[];
    if ((role !== 'master' && role !== 'slave') || typeof gen !== 'string' || !GENERATION.test(gen)) return undefined;
    roles[dpid] = [role, gen];
  }
  return { api: r.api, openflow: r.openflow, roles };
}

export class Membership {
  private readonly ns: Namespace;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly live = new Map<string, InstanceRecord>();
  private readonly gone = new Map<string, InstanceView>();
  private lease: Lease | undefined;
  private watcher: Watcher | undefined;
  private addresses: { api: string | null; openflow: string | null } = { api: null, openflow: null };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing = false;
  private stopped = false;
  /** Records this instance wrote, and records read that were not Spotlight's. */
  writes = 0;
  unreadable = 0;

  constructor(private readonly opts: MembershipOptions) {
    this.ns = opts.client.namespace(opts.prefix);
    this.log = opts.logger.child({ component: 'membership', instance: opts.instanceId });
    this.now = opts.now ?? Date.now;
  }

  async start(addresses: { api: string | null; openflow: string | null }): Promise<void> {
    this.addresses = addresses;
    this.watcher = await readAndWatchPrefix(this.ns, INSTANCES_PREFIX, { put: (key, value) => this.read(key, value), delete: (key) => this.removed(key) });
    await this.write();
  }

  /** Revokes the lease: the others see this instance leave at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.lease?.revoke().catch((e: unknown) => this.log.warn('revoking the lease failed; the others see this instance leave when it runs out', { error: (e as Error).message }));
    await this.watcher?.cancel().catch(() => undefined);
  }

  /** A switch stated a new role here, or a session ended: write this instance's record again. */
  changed(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, WRITE_DELAY_MS);
    this.timer.unref();
  }

  /** Every instance: those whose key is in etcd (alive), then those that left recently. */
  instances(): InstanceView[] {
    const cutoff = this.now() - (this.opts.forgetAfterMs ?? 600_000);
    for (const [id, g] of this.gone) if ((g.leftAt ?? 0) < cutoff) this.gone.delete(id);
    const alive = [...this.live].map(([id, r]) => ({ id, alive: true, ...r }));
    const own = this.ownRecord();
    // This instance's own view is fresher than its key (written a moment later), and shown while etcd is away too.
    const self = { id: this.opts.instanceId, alive: this.live.has(this.opts.instanceId), ...own };
    const others = alive.filter((i) => i.id !== this.opts.instanceId).sort((a, b) => (a.id < b.id ? -1 : 1));
    const left = [...this.gone.values()].filter((g) => !this.live.has(g.id)).sort((a, b) => (b.leftAt ?? 0) - (a.leftAt ?? 0));
    return [self, ...others, ...left];
  }

  private ownRecord(): InstanceRecord {
    const roles: InstanceRecord['roles'] = {};
    for (const [dpid, r] of [...this.opts.roles()].sort(([a], [b]) => (a < b ? -1 : 1))) roles[dpid] = [r.role, String(r.generationId)];
    return { ...this.addresses, roles };
  }

  private async write(): Promise<void> {
    if (this.stopped) return;
    if (this.writing) {
      this.changed();
      return;
    }
    this.writing = true;
    try {
      const lease = this.lease ?? this.newLease();
      await lease.put(INSTANCES_PREFIX + this.opts.instanceId).value(JSON.stringify(this.ownRecord())).exec();
      this.writes++;
    } catch (e) {
      // The lease may be what failed (gone in etcd): the next try grants a new one.
      this.lease?.release();
      this.lease = undefined;
      this.log.warn('writing this instance to etcd failed; retrying', { error: (e as Error).message });
      setTimeout(() => this.changed(), 500).unref();
    } finally {
      this.writing = false;
    }
  }

  private newLease(): Lease {
    const lease = this.ns.lease(this.opts.ttlSeconds ?? 3);
    this.lease = lease;
    lease.on('lost', (err) => {
      if (this.lease !== lease || this.stopped) return;
      // Paused past the TTL, or etcd was away: etcd deleted the key. A new lease writes it again.
      this.lease = undefined;
      this.log.warn('membership lease lost; joining again', { error: err.message });
      this.changed();
    });
    return lease;
  }

  private read(key: string, value: string): void {
    const id = key.slice(INSTANCES_PREFIX.length);
    const rec = decodeInstance(value);
    if (!rec || id === '') {
      this.unreadable++;
      this.log.warn('an instance record in etcd is not one Spotlight wrote; ignored', { key, value: value.slice(0, 80) });
      return;
    }
    if (!this.live.has(id) && id !== this.opts.instanceId) this.log.info('instance joined', { id, api: rec.api });
    this.live.set(id, rec);
    this.gone.delete(id);
  }

  private removed(key: string): void {
    const id = key.slice(INSTANCES_PREFIX.length);
    const rec = this.live.get(id);
    if (!rec) return;
    this.live.delete(id);
    if (id === this.opts.instanceId) {
      // Our own key expired (this process was paused, or etcd lost the lease): write it again.
      if (!this.stopped) this.changed();
      return;
    }
    this.log.warn('instance left (its lease ran out or it stopped)', { id, api: rec.api });
    this.gone.set(id, { id, alive: false, ...rec, roles: {}, leftAt: this.now() });
    while (this.gone.size > MAX_GONE) this.gone.delete(this.gone.keys().next().value!);
  }
}
