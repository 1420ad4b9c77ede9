// A follower's watch on the leader's process, so that a leader that died is
// replaced before its lease runs out.
//
// Without it, a leader killed or crashed keeps its key until etcd lets its
// lease expire: 2 to 3 s after its last keep-alive (TTL 3 s, kept alive every
// second). The switches cannot tell sooner: on OpenFlow 1.0 and 1.3 a switch
// tells no controller that another one's connection ended (the ROLE_STATUS
// Open vSwitch sends on 1.3, an ONF extension, comes only when a controller
// asks to become master), and it notices a dead controller only by its own
// inactivity probe (5 s by default in Open vSwitch).
//
// So each follower probes the leader's liveness listener (liveness.ts) every
// `intervalMs`. The one thing taken as proof of death is a refused
// connection: the leader's host answered with a reset because nothing
// listens on the port the leader holds for its whole life. Then the
// follower revokes the leader's lease by its id (LeaseRevoke works from any
// client), etcd deletes the leader key, and the election's watch starts the
// usual campaign. Two guards keep a live leader from being revoked:
// - The address must first have answered with the leader's own instance id
//   in this leadership. An address that leads elsewhere (a loopback or
//   0.0.0.0 address seen from another machine, a firewall answering with
//   resets from the start) is never trusted, so its refusals count for
//   nothing; the lease decides, as before.
// - Two refusals in a row, a moment apart.
// A timeout, a connection that stays silent (a paused or busy process, a
// host that is down, a network partition) is not proof: the lease runs out
// as before, and a leader that comes back after it is fenced by the
// switches' generation id and steps down (election.ts, switch-roles.ts).
import type { Logger } from '../log.js';
import type { Leadership } from './election.js';
import { PROBE_OUTCOMES, readLivenessAddress, type LivenessAddress, type ProbeOutcome } from './liveness.js';

export interface DeadLeaderOptions {
  /** Who leads as this instance sees it, and whether this instance does. */
  election: { readonly leader: Leadership | undefined; isLeader(): boolean };
  instanceId: string;
  probe: (to: LivenessAddress, instanceId: string) => Promise<ProbeOutcome>;
  /** LeaseRevoke of lease `id`: "gone" when etcd no longer had it; rejects when etcd refused or was not reached. */
  revoke: (leaseId: string) => Promise<'revoked' | 'gone'>;
  logger: Logger;
  /** Time between probes (default 100 ms). */
  intervalMs?: number;
  /** Time between the first refusal and the probe that confirms it (default 20 ms). */
  confirmAfterMs?: number;
}

/** What this follower knows of one leadership (one leader key: generation id and lease). */
interface Watched {
  generationId: bigint;
  lease: string;
  instanceId: string;
  /** Where its liveness listener is (undefined: it advertises none, nothing to watch). */
  address: LivenessAddress | undefined;
  /** The address answered with the leader's id in this leadership: its refusals are proof. */
  confirmed: boolean;
  refusals: number;
  /** Whether the follower was told it cannot trust the address (logged once). */
  warned: boolean;
  /** This follower revoked the lease (or found it gone): nothing more to do for it. */
  done: boolean;
}

export class DeadLeaderWatch {
  private readonly log: Logger;
  private readonly intervalMs: number;
  private watched: Watched | undefined;
  private running = false;
  private wake: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private loop: Promise<void> | undefined;
  /** Leader leases this instance revoked after their liveness port refused connections. */
  revocations = 0;
  /** Probes sent, by outcome. */
  readonly probes: Record<ProbeOutcome, number> = Object.fromEntries(PROBE_OUTCOMES.map((o) => [o, 0])) as Record<ProbeOutcome, number>;

  constructor(private readonly opts: DeadLeaderOptions) {
    this.log = opts.logger.child({ component: 'dead-leader', instance: opts.instanceId });
    this.intervalMs = opts.intervalMs ?? 100;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const w = this.target();
      if (w?.address && !w.done) await this.probeOnce(w, w.address);
      await this.sleep(w && w.refusals > 0 && !w.done ? (this.opts.confirmAfterMs ?? 20) : this.intervalMs);
    }
  }

  /** The leadership to watch now, kept across probes while it stays the same. */
  private target(): Watched | undefined {
    const l = this.opts.election.leader;
    if (!l || this.opts.election.isLeader() || l.instanceId === this.opts.instanceId || l.lease === '0') {
      this.watched = undefined;
      return undefined;
    }
    const w = this.watched;
    if (w && w.generationId === l.generationId && w.lease === l.lease) return w;
    const address = readLivenessAddress(l.advertise.liveness);
    if (!address) this.log.warn('the leader advertises no liveness address; if it dies, its lease decides', { leader: l.instanceId, lease: l.lease });
    this.watched = { generationId: l.generationId, lease: l.lease, instanceId: l.instanceId, address, confirmed: false, refusals: 0, warned: false, done: !address };
    return this.watched;
  }

  private async probeOnce(w: Watched, address: LivenessAddress): Promise<void> {
    const outcome = await this.opts.probe(address, w.instanceId);
    this.probes[outcome]++;
    if (this.watched !== w) return; // the leadership changed while probing
    const where = `${address.host}:${address.port}`;
    if (outcome === 'answered') {
      if (!w.confirmed) this.log.info('watching the leader: its liveness address answers', { leader: w.instanceId, lease: w.lease, address: where });
      w.confirmed = true;
      w.refusals = 0;
      return;
    }
    if (outcome !== 'refused' || !w.confirmed) {
      w.refusals = 0;
      if (!w.confirmed && (outcome === 'refused' || outcome === 'other') && !w.warned) {
        w.warned = true;
        this.log.warn('the leader\'s liveness address does not answer as the leader; if it dies, its lease decides', { leader: w.instanceId, lease: w.lease, address: where, outcome });
      }
      return;
    }
    w.refusals++;
    if (w.refusals < 2) return;
    await this.revoke(w, where);
  }

  private async revoke(w: Watched, where: string): Promise<void> {
    const l = this.opts.election.leader;
    // Only the lease of the leadership that refused, and never while this instance leads.
    if (this.opts.election.isLeader() || l?.generationId !== w.generationId || l.lease !== w.lease) return;
    w.done = true;
    this.log.warn('the leader is gone: its liveness address refused twice; revoking its lease', { leader: w.instanceId, lease: w.lease, generationId: String(w.generationId), address: where });
    try {
      if ((await this.opts.revoke(w.lease)) === 'gone') {
        this.log.info('the dead leader\'s lease was already gone', { leader: w.instanceId, lease: w.lease });
        return;
      }
      this.revocations++;
      this.log.info('revoked the dead leader\'s lease; the election follows', { leader: w.instanceId, lease: w.lease });
    } catch (e) {
      // etcd away: the lease runs out as it would have; the next probes try again while it still stands.
      w.done = false;
      w.refusals = 0;
      this.log.warn('revoking the dead leader\'s lease failed; its lease decides unless a later try succeeds', { leader: w.instanceId, lease: w.lease, error: (e as Error).message });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
      this.timer.unref();
    });
  }
}
