// One leader for the whole fabric, elected on an etcd lease.
//
// The leader is the instance whose key `PREFIX/cluster/leader` exists: it is
// created only when absent (a transaction), bound to the instance's lease
// (TTL 3 s, kept alive every second), and deleted by etcd when the lease runs
// out, or when a follower revokes the lease on proof that the leader's
// process is gone (dead-leader.ts). Its create revision is the generation id
// the leader sends in ROLE_REQUEST MASTER: etcd revisions only grow, so every
// new leader's id is larger than any before it, and a switch refuses the old
// leader's requests as stale.
//
// A leader counts itself leader only while its lease is surely alive: until
// the send time of the last keep-alive etcd confirmed plus the TTL (less a
// margin for clock rate). A process paused past that (SIGSTOP) has stepped
// down by the time it runs again, before it sends anything.
import { EventEmitter } from 'node:events';
import { EtcdLeaseInvalidError, type Etcd3, type IOperation, type Lease, type Namespace, type Watcher } from 'etcd3';
import type { Logger } from '../log.js';

export interface ElectionOptions {
  client: Etcd3;
  /** Ends with "/". */
  prefix: string;
  instanceId: string;
  /** What followers learn of the leader (its API address). */
  advertise: Record<string, unknown>;
  logger: Logger;
  /** Lease TTL in seconds (1 to 3; default 3). */
  ttlSeconds?: number;
  /** How long before the lease's end the leader steps down (default 500 ms). */
  marginMs?: number;
  now?: () => number;
}

export interface Leadership {
  /** The leader's key create revision: the OpenFlow generation id. */
  generationId: bigint;
  instanceId: string;
  advertise: Record<string, unknown>;
  /** The lease the leader key is bound to ("0" when not known). */
  lease: string;
}

export interface ElectionEvents {
  /** This instance became leader (`generationId` is its id) or stopped being one. */
  leader: [generationId: bigint];
  follower: [reason: string];
  /** Who leads now, as seen from here (undefined: nobody). */
  changed: [leader: Leadership | undefined];
}

export const LEADER_KEY = 'cluster/leader';

export class Election extends EventEmitter<ElectionEvents> {
  private readonly ns: Namespace;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly ttl: number;
  private lease: Lease | undefined;
  private watcher: Watcher | undefined;
  private leaderValue: Leadership | undefined;
  private ownGeneration: bigint | undefined;
  private validUntil = 0;
  private firedAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private campaigning = false;
  /** The one campaign scheduled for later (after a failure, or a lost lease), if any. */
  private retry: { at: number; timer: ReturnType<typeof setTimeout> } | undefined;
  /** Campaigns this instance won, campaigns that found another leader, and times it stepped down. */
  wins = 0;
  losses = 0;
  stepDowns = 0;

  constructor(private readonly opts: ElectionOptions) {
    super();
    this.ns = opts.client.namespace(opts.prefix);
    this.log = opts.logger.child({ component: 'election', instance: opts.instanceId });
    this.now = opts.now ?? (() => performance.now());
    this.ttl = opts.ttlSeconds ?? 3;
  }

  /** Who leads, as last seen (this instance included). */
  get leader(): Leadership | undefined {
    return this.leaderValue;
  }

  /** True only while this instance leads and its lease is surely alive. */
  isLeader(): boolean {
    return this.ownGeneration !== undefined && this.now() < this.validUntil;
  }

  /** This instance's generation id while it leads. */
  get generationId(): bigint | undefined {
    return this.isLeader() ? this.ownGeneration : undefined;
  }

  async start(): Promise<void> {
    this.watcher = await this.ns.watch().key(LEADER_KEY).create();
    // A watch that reconnects replays what it missed: a change older than this instance's own win is no news.
    const stale = (kv: { mod_revision: string }) => this.ownGeneration !== undefined && BigInt(kv.mod_revision) < this.ownGeneration;
    this.watcher.on('put', (kv) => {
      if (!stale(kv)) this.seen(kv.value.toString(), BigInt(kv.create_revision), String(kv.lease));
    });
    this.watcher.on('delete', (kv) => {
      if (stale(kv)) return;
      this.seen(undefined, 0n, '0');
      void this.campaign();
    });
    this.watcher.on('connected', () => void this.campaign());
    this.timer = setInterval(() => this.checkLease(), 100);
    this.timer.unref();
    await this.campaign();
  }

  /** Steps down (the lease is revoked so another instance takes over at once) and stops campaigning. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.retry?.timer);
    this.stepDown('stopping');
    // The lease first: the others campaign the moment etcd deletes the key.
    await this.lease?.revoke().catch((e: unknown) => this.log.warn('revoking the lease failed; the others take over when it runs out', { error: (e as Error).message }));
    await this.watcher?.cancel().catch(() => undefined);
  }

  /** A switch said this instance is no longer master (stale generation, or a newer master): give up at once. */
  deposed(reason: string): void {
    if (this.ownGeneration === undefined) return;
    this.stepDown(reason);
    const lease = this.lease;
    this.lease = undefined;
    void lease?.revoke().catch(() => undefined).then(() => this.campaign());
  }

  /**
   * One transaction that applies `ops` only while the leader key is still
   * the one this instance created: a deposed leader (even one that does not
   * know it yet) writes nothing. False when not leader or not applied.
   */
  async writeAsLeader(ops: IOperation[]): Promise<boolean> {
    const gen = this.generationId;
    if (gen === undefined) return false;
    const res = await this.ns.if(LEADER_KEY, 'Create', '==', String(gen)).then(...ops).commit();
    return res.succeeded;
  }

  private async campaign(): Promise<void> {
    if (this.stopped || this.campaigning || this.ownGeneration !== undefined) return;
    this.campaigning = true;
    try {
      const lease = this.lease ?? this.newLease();
      const id = await lease.grant();
      const value = JSON.stringify({ instanceId: this.opts.instanceId, advertise: this.opts.advertise });
      const res = await this.ns
        .if(LEADER_KEY, 'Create', '==', 0)
        .then(this.ns.put(LEADER_KEY).value(value).lease(id))
        .else(this.ns.get(LEADER_KEY))
        .commit();
      if (res.succeeded) {
        if (this.lease !== lease || this.stopped) return;
        this.ownGeneration = BigInt(res.header.revision);
        // The keep-alive fired at grant time or since counts from when it was sent.
        this.validUntil = (this.firedAt || this.now()) + this.ttl * 1000 - (this.opts.marginMs ?? 500);
        this.wins++;
        this.leaderValue = { generationId: this.ownGeneration, instanceId: this.opts.instanceId, advertise: this.opts.advertise, lease: id };
        this.log.info('elected leader', { generationId: String(this.ownGeneration) });
        this.emit('changed', this.leaderValue);
        this.emit('leader', this.ownGeneration);
      } else {
        this.losses++;
        const kv = res.responses[0]?.response_range?.kvs[0];
        if (kv) {
          this.seen(kv.value.toString(), BigInt(kv.create_revision), String(kv.lease));
          if (this.leaderValue?.instanceId === this.opts.instanceId && String(kv.lease) !== id) void this.endEarlierLeadership(String(kv.lease));
        }
      }
    } catch (e) {
      this.log.warn('campaign failed; retrying', { error: (e as Error).message });
      this.campaignLater(500);
    } finally {
      this.campaigning = false;
    }
  }

  /**
   * The leader key is still this instance's own, from a leadership it already
   * stepped down from (its lease was not confirmed in time, or etcd was down):
   * nobody leads until that lease ends, which etcd does only a TTL after it
   * last heard of it, and a member that restarts gives every lease a full TTL
   * again. Revoking it ends that leadership at once; every instance then
   * campaigns again.
   */
  private async endEarlierLeadership(lease: string): Promise<void> {
    this.log.info('the leader key is from an earlier leadership of this instance; revoking its lease', { lease });
    try {
      await this.opts.client.leaseClient.leaseRevoke({ ID: lease });
    } catch (e) {
      if (!(e instanceof EtcdLeaseInvalidError)) this.log.warn('revoking the earlier lease failed; it ends when it runs out', { lease, error: (e as Error).message });
    }
    this.campaignLater(0);
  }

  /**
   * At most one campaign waits for later, at the latest time asked: every
   * failed campaign asks for a retry (and its lease, lost, for another), and
   * with etcd gone each fails at once (the client's circuit breaker), so
   * retries scheduled independently would multiply.
   */
  private campaignLater(ms: number): void {
    const at = Date.now() + ms;
    if (this.retry !== undefined && this.retry.at >= at) return;
    if (this.retry !== undefined) clearTimeout(this.retry.timer);
    const timer = setTimeout(() => {
      this.retry = undefined;
      void this.campaign();
    }, ms);
    timer.unref();
    this.retry = { at, timer };
  }

  private newLease(): Lease {
    const lease = this.ns.lease(this.ttl);
    this.lease = lease;
    this.firedAt = this.now();
    lease.on('keepaliveFired', () => {
      this.firedAt = this.now();
    });
    lease.on('keepaliveSucceeded', () => {
      if (this.ownGeneration !== undefined && this.lease === lease) this.validUntil = this.firedAt + this.ttl * 1000 - (this.opts.marginMs ?? 500);
    });
    lease.on('lost', (err) => {
      if (this.lease !== lease) return;
      this.lease = undefined;
      this.stepDown(`lease lost: ${err.message}`);
      this.campaignLater(100);
    });
    return lease;
  }

  private checkLease(): void {
    if (this.ownGeneration !== undefined && this.now() >= this.validUntil) {
      // Not confirmed in time: etcd may have let the lease go. A fresh lease campaigns again.
      const lease = this.lease;
      this.lease = undefined;
      this.stepDown('lease not confirmed in time');
      lease?.release();
      void this.campaign();
    }
  }

  private seen(value: string | undefined, createRevision: bigint, lease: string): void {
    let next: Leadership | undefined;
    if (value !== undefined) {
      try {
        const v = JSON.parse(value) as { instanceId: string; advertise: Record<string, unknown> };
        next = { generationId: createRevision, instanceId: v.instanceId, advertise: v.advertise ?? {}, lease };
      } catch {
        this.log.warn('leader key holds no JSON', { value: value.slice(0, 80) });
      }
    }
    if (this.ownGeneration !== undefined && next?.generationId !== this.ownGeneration) this.stepDown('another instance leads');
    if (next?.generationId === this.leaderValue?.generationId && next?.instanceId === this.leaderValue?.instanceId) return;
    this.leaderValue = next;
    this.emit('changed', next);
  }

  private stepDown(reason: string): void {
    if (this.ownGeneration === undefined) return;
    this.log.warn('stepped down', { reason, generationId: String(this.ownGeneration) });
    this.ownGeneration = undefined;
    this.validUntil = 0;
    this.stepDowns++;
    if (this.leaderValue?.instanceId === this.opts.instanceId) {
      this.leaderValue = undefined;
      this.emit('changed', undefined);
    }
    this.emit('follower', reason);
  }
}
