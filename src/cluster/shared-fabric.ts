// The fabric's links as the leader compiles with them, shared through etcd.
//
// Only the master of a switch gets its packet-ins and may send packet-outs,
// so only the leader discovers links; a follower sees switches and ports
// (OVS sends port status to slaves too) but no link. The leader writes the
// links it compiles with to `PREFIX/cluster/fabric` (fenced by its
// leadership) whenever they change, once its own start-up hold is over; the
// followers read them, so their compiled state is the leader's, and a
// follower that takes over compiles the same flows and sends none.
//
// A view that arrives through the watch was written moments ago by the
// leader of then (the write is fenced by its leadership). A view read at
// start is used only when its writer still leads: one left in etcd by a
// cluster that has since stopped may describe a fabric that changed
// meanwhile.
import type { Etcd3, Namespace, Watcher } from 'etcd3';
import type { Logger } from '../log.js';
import type { Dpid } from '../openflow/dpid.js';
import type { Link } from '../topo/types.js';
import { resumeAfterDelivered } from '../store/etcd-watch-resume.js';
import type { Election } from './election.js';

export const FABRIC_KEY = 'cluster/fabric';

/** Wait this long after a change before writing, so a burst of link changes is one write. */
const WRITE_DELAY_MS = 20;

export interface SharedFabricOptions {
  client: Etcd3;
  /** Ends with "/". */
  prefix: string;
  election: Election;
  logger: Logger;
  /** The links this instance compiles with now (what the leader publishes). */
  links: () => readonly Link[];
  /** False while this instance's own view has not settled (its start-up hold): nothing is published then. */
  settled: () => boolean;
}

interface FabricRecord {
  generationId: string;
  instanceId: string;
  /** [dpid a, port a, dpid b, port b] per link. */
  links: [Dpid, number, Dpid, number][];
}

const DPID = /^[0-9a-f]{16}$/;
/** OpenFlow physical port numbers (OFPP_MAX is 0xffffff00 on OF1.3, 0xff00 on OF1.0). */
const validPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 0xffffff00;

/** The record's links, or undefined when it is not one Spotlight wrote. */
export function decodeFabric(text: string): { generationId: bigint; instanceId: string; links: Link[] } | undefined {
  let r: FabricRecord;
  try {
    r = JSON.parse(text) as FabricRecord;
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null || typeof r.generationId !== 'string' || !/^\d+$/.test(r.generationId) || typeof r.instanceId !== 'string' || !Array.isArray(r.links)) return undefined;
  const links: Link[] = [];
  for (const l of r.links) {
    if (!Array.isArray(l) || l.length !== 4) return undefined;
    const [da, pa, db, pb] = l;
    if (typeof da !== 'string' || typeof db !== 'string' || !DPID.test(da) || !DPID.test(db) || !validPort(pa) || !validPort(pb)) return undefined;
    links.push({ a: { dpid: da, portNo: pa }, b: { dpid: db, portNo: pb } });
  }
  return { generationId: BigInt(r.generationId), instanceId: r.instanceId, links };
}

export function encodeFabric(generationId: bigint, instanceId: string, links: readonly Link[]): string {
  const record: FabricRecord = { generationId: String(generationId), instanceId, links: links.map((l) => [l.a.dpid, l.a.portNo, l.b.dpid, l.b.portNo]) };
  return JSON.stringify(record);
}

const keyOf = (links: readonly Link[]): string => links.map((l) => `${l.a.dpid}/${l.a.portNo}-${l.b.dpid}/${l.b.portNo}`).sort().join(',');

export class SharedFabric {
  private readonly ns: Namespace;
  private readonly log: Logger;
  private watcher: Watcher | undefined;
  private trustedLinks: readonly Link[] | undefined;
  /** What this instance last wrote, under which leadership. */
  private written: { generationId: bigint; key: string } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing = false;
  private stopped = false;
  private readonly listeners = new Set<(links: readonly Link[] | undefined) => void>();
  /** Views written by this instance, and views read that were not trusted. */
  writes = 0;
  untrusted = 0;

  constructor(private readonly opts: SharedFabricOptions) {
    this.ns = opts.client.namespace(opts.prefix);
    this.log = opts.logger.child({ component: 'shared-fabric' });
    opts.election.on('leader', () => this.changed());
  }

  /** The last view written by a live leader, or undefined when none was seen. */
  get links(): readonly Link[] | undefined {
    return this.trustedLinks;
  }

  /** Tells `listener` each time a trusted view arrives. */
  onView(listener: (links: readonly Link[] | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const res = await this.ns.get(FABRIC_KEY).exec();
    const kv = res.kvs[0];
    if (kv) this.read(kv.value.toString(), true);
    const readRevision = BigInt(res.header.revision);
    this.watcher = await this.ns
      .watch()
      .key(FABRIC_KEY)
      .startRevision(String(readRevision + 1n))
      .create();
    resumeAfterDelivered(this.watcher, readRevision);
    this.watcher.on('put', (kv2) => this.read(kv2.value.toString(), false));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.cancel().catch(() => undefined);
  }

  /** The links this instance compiles with may have changed (or its hold ended): the leader writes them. */
  changed(): void {
    if (this.stopped || this.timer || this.opts.election.generationId === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, WRITE_DELAY_MS);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const gen = this.opts.election.generationId;
    if (gen === undefined || this.stopped) return;
    if (!this.opts.settled()) return; // the end of the hold calls changed() again
    if (this.writing) {
      this.changed();
      return;
    }
    const links = this.opts.links();
    const key = keyOf(links);
    if (this.written?.generationId === gen && this.written.key === key) return;
    this.writing = true;
    try {
      const ok = await this.opts.election.writeAsLeader([this.ns.put(FABRIC_KEY).value(encodeFabric(gen, this.opts.election.leader?.instanceId ?? '', links))]);
      if (ok) {
        this.written = { generationId: gen, key };
        this.writes++;
        this.log.debug('fabric view written', { links: links.length, generationId: String(gen) });
      }
    } catch (e) {
      this.log.warn('writing the fabric view failed; retrying', { error: (e as Error).message });
      setTimeout(() => this.changed(), 200).unref();
    } finally {
      this.writing = false;
    }
  }

  private read(text: string, atStart: boolean): void {
    const view = decodeFabric(text);
    if (!view) {
      this.log.warn('the fabric view in etcd is not one Spotlight wrote; ignored', { value: text.slice(0, 80) });
      return;
    }
    const leader = this.opts.election.leader;
    if (atStart && leader?.generationId !== view.generationId) {
      this.untrusted++;
      this.log.info('fabric view from a leader that is gone; not used', { generationId: String(view.generationId), leader: leader ? String(leader.generationId) : null });
      return;
    }
    this.trustedLinks = view.links;
    for (const l of this.listeners) l(view.links);
  }
}
