// What the master confirmed on each switch, shared through etcd, so that
// `?wait` on any instance answers once the switches a change touches have
// confirmed its generation, and every instance shows who drives each switch.
//
// The leader writes one key per switch, `PREFIX/cluster/switches/DPID`:
// whether it has a session to the switch, whether the switch confirmed it as
// master, and the highest generation the switch confirmed (barrier). Writes
// are fenced by its leadership and coalesced (one transaction in flight; the
// switches that changed meanwhile go in the next). The other instances read
// them into their realization tracker, whose source is then 'shared': their
// own reconcilers stand by and are not waited for. Realized generations only
// grow, whichever leader confirmed them: a switch that confirmed a generation
// holds its flows, and a lower number in a later record changes nothing.
//
// A new leader writes every record again under its own leadership (those of
// switches it has no session to say so), so a record of a leader that is gone
// does not make the others wait for a switch nobody drives.
//
// The record of a switch the leader has no session to is bound to a lease
// that nobody keeps alive (`forgetAfterSeconds`): if the switch does not come
// back in that time, etcd deletes the record, so switches that left the
// fabric do not stay in etcd for ever. A record written for a connected
// switch carries no lease, which takes the key off the old one.
import type { Etcd3, IOperation, Namespace, Watcher } from 'etcd3';
import type { Logger } from '../log.js';
import type { Dpid } from '../openflow/dpid.js';
import type { Election } from './election.js';
import { readAndWatchPrefix } from './prefix-watch.js';

export const SWITCHES_PREFIX = 'cluster/switches/';

/** etcd takes at most 128 operations in a transaction (--max-txn-ops). */
const MAX_PUTS = 120;
/** How long the record of a switch the leader has no session to stays in etcd. */
export const DEFAULT_FORGET_AFTER_SECONDS = 60;

/** What the relay needs of the realization tracker. */
export interface SharedRealization {
  onRealized(listener: (dpid: Dpid, generation: number) => void): () => void;
  onConnected(listener: (dpid: Dpid, connected: boolean) => void): () => void;
  realizedGeneration(dpid: Dpid): number | undefined;
  setSource(source: 'local' | 'shared'): void;
  setShared(dpid: Dpid, driven: boolean, realized: number | undefined): void;
}

export interface SwitchRecord {
  /** The leadership that wrote the record, and its instance. */
  generationId: string;
  instanceId: string;
  /** The leader has a session to the switch. */
  connected: boolean;
  /** The switch confirmed the leader as its master. */
  master: boolean;
  /** Highest generation the switch confirmed; null if none. */
  realized: number | null;
}

export interface RealizationRelayOptions {
  client: Etcd3;
  prefix: string;
  election: Election;
  tracker: SharedRealization;
  /** This instance's confirmed role on a switch. */
  roleOf: (dpid: Dpid) => 'master' | 'slave' | undefined;
  instanceId: string;
  logger: Logger;
  /** The record of a switch the leader has no session to is deleted by etcd after this long (default 60 s). */
  forgetAfterSeconds?: number;
}

const DPID = /^[0-9a-f]{16}$/;

export function decodeSwitchRecord(text: string): SwitchRecord | undefined {
  let r: SwitchRecord;
  try {
    r = JSON.parse(text) as SwitchRecord;
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  if (typeof r.generationId !== 'string' || !/^\d+$/.test(r.generationId) || typeof r.instanceId !== 'string' || typeof r.connected !== 'boolean' || typeof r.master !== 'boolean') return undefined;
  if (r.realized !== null && !(Number.isSafeInteger(r.realized) && r.realized >= 0)) return undefined;
  return { generationId: r.generationId, instanceId: r.instanceId, connected: r.connected, master: r.master, realized: r.realized };
}

export class RealizationRelay {
  private readonly ns: Namespace;
  private readonly log: Logger;
  private readonly local = new Set<Dpid>();
  private readonly records = new Map<Dpid, SwitchRecord>();
  private readonly dirty = new Set<Dpid>();
  private watcher: Watcher | undefined;
  private writing = false;
  private stopped = false;
  private readonly unsubscribe: (() => void)[] = [];
  /** Transactions written, and records this instance could not read. */
  writes = 0;
  unreadable = 0;

  constructor(private readonly opts: RealizationRelayOptions) {
    this.ns = opts.client.namespace(opts.prefix);
    this.log = opts.logger.child({ component: 'realization-relay' });
    // Until the election says otherwise this instance drives nothing.
    opts.tracker.setSource('shared');
    this.unsubscribe.push(
      opts.tracker.onRealized((dpid) => this.touch(dpid)),
      opts.tracker.onConnected((dpid, up) => {
        if (up) this.local.add(dpid);
        else this.local.delete(dpid);
        this.touch(dpid);
      }),
    );
    opts.election.on('leader', () => {
      opts.tracker.setSource('local');
      // Every switch known, connected here or not: a record of the old leader must not outlive it.
      for (const d of new Set([...this.records.keys(), ...this.local])) this.dirty.add(d);
      void this.flush();
    });
    opts.election.on('follower', () => opts.tracker.setSource('shared'));
  }

  /** The records as last read (switch -> who drives it and what it confirmed). */
  get switches(): ReadonlyMap<Dpid, SwitchRecord> {
    return this.records;
  }

  async start(): Promise<void> {
    this.watcher = await readAndWatchPrefix(this.ns, SWITCHES_PREFIX, { put: (key, value) => this.read(key, value), delete: (key) => this.removed(key) });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const u of this.unsubscribe.splice(0)) u();
    await this.watcher?.cancel().catch(() => undefined);
  }

  /** Something about this switch changed here (session, role, confirmed generation): the leader shares it. */
  touch(dpid: Dpid): void {
    if (this.stopped || this.opts.election.generationId === undefined) return;
    this.dirty.add(dpid);
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.writing || this.stopped) return;
    const gen = this.opts.election.generationId;
    if (gen === undefined) {
      this.dirty.clear();
      return;
    }
    const batch = [...this.dirty].slice(0, MAX_PUTS);
    if (batch.length === 0) return;
    for (const d of batch) this.dirty.delete(d);
    this.writing = true;
    try {
      // One lease for the records of the switches in this batch that have no session here; never kept alive.
      const forget = batch.some((d) => !this.local.has(d)) ? await this.expiringLease() : undefined;
      const ops: IOperation[] = batch.map((d) => {
        const realized = this.opts.tracker.realizedGeneration(d);
        const connected = this.local.has(d);
        const rec: SwitchRecord = { generationId: String(gen), instanceId: this.opts.instanceId, connected, master: this.opts.roleOf(d) === 'master', realized: realized ?? null };
        const put = this.ns.put(SWITCHES_PREFIX + d).value(JSON.stringify(rec));
        return connected || forget === undefined ? put : put.lease(forget);
      });
      if (await this.opts.election.writeAsLeader(ops)) this.writes++;
    } catch (e) {
      // Written again with the next change, or by the next leader in full.
      for (const d of batch) this.dirty.add(d);
      this.log.warn('sharing realized generations failed; retrying', { switches: batch.length, error: (e as Error).message });
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      this.writing = false;
    }
    if (this.dirty.size > 0) void this.flush();
  }

  private async expiringLease(): Promise<string> {
    const lease = this.ns.lease(this.opts.forgetAfterSeconds ?? DEFAULT_FORGET_AFTER_SECONDS, { autoKeepAlive: false });
    const id = await lease.grant();
    lease.release();
    return id;
  }

  private read(key: string, value: string): void {
    const dpid = key.slice(SWITCHES_PREFIX.length);
    const rec = decodeSwitchRecord(value);
    if (!DPID.test(dpid) || !rec) {
      this.unreadable++;
      this.log.warn('a switch record in etcd is not one Spotlight wrote; ignored', { key, value: value.slice(0, 80) });
      return;
    }
    this.records.set(dpid, rec);
    this.opts.tracker.setShared(dpid, rec.connected, rec.realized ?? undefined);
    // Read while leading, written by another leadership (one gone, or read at start): ours replaces it.
    const gen = this.opts.election.generationId;
    if (gen !== undefined && rec.generationId !== String(gen)) this.touch(dpid);
  }

  /** A record deleted (its switch was away past forgetAfterSeconds, or by hand): nobody shares that switch any more. */
  private removed(key: string): void {
    const dpid = key.slice(SWITCHES_PREFIX.length);
    if (!this.records.delete(dpid)) return;
    this.opts.tracker.setShared(dpid, false, undefined);
  }
}
