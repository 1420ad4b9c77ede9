// Reads a switch's flow-table capacity once its session is up: OF1.3 table
// features, OF1.0 table stats, each table's max_entries. The capacity is the
// sum over the tables Spotlight's pipeline writes (OF1.0: table 0; OF1.3:
// tables 0-5, each with its own limit in the switch, so the sum is a bound).
// A switch that answers with an error or not at all has no known capacity;
// its session goes on.
import type { SwitchConnection } from '../channel/index.js';
import { OF13_TABLES } from '../compiler/pipeline.js';
import type { Logger } from '../log.js';
import type { Dpid } from '../openflow/dpid.js';
import { OFP10_VERSION } from '../openflow/wire-values.js';
import { type MultipartReplyBody } from '../openflow/stats-model.js';

export interface CapacityReader {
  /** What the switch said; undefined when it gave no capacity. */
  read(conn: Pick<SwitchConnection, 'version' | 'request' | 'dpid'>): Promise<number | undefined>;
}

const OF10_TABLES: readonly number[] = [0];

/** The sum of max_entries over the pipeline's tables, from a table-features or table-stats reply; undefined if it names none of them. */
export function capacityOf(version: number, body: MultipartReplyBody): number | undefined {
  const tables = version === OFP10_VERSION ? OF10_TABLES : OF13_TABLES;
  let list: readonly { tableId: number; maxEntries: number }[];
  if (body.kind === 'tableFeatures' || body.kind === 'table') list = body.tables;
  else return undefined;
  let sum = 0;
  let seen = 0;
  for (const t of list) {
    if (!tables.includes(t.tableId)) continue;
    sum += t.maxEntries;
    seen++;
  }
  return seen > 0 ? sum : undefined;
}

export function tableCapacityReader(logger: Logger, timeoutMs = 10_000): CapacityReader {
  const log = logger.child({ component: 'budget' });
  return {
    async read(conn) {
      const kind = conn.version === OFP10_VERSION ? 'table' : 'tableFeatures';
      try {
        const r = await conn.request({ type: 'multipartRequest', more: false, body: { kind } }, timeoutMs);
        if (r.type !== 'multipartReply') {
          log.info('switch gave no table capacity', { dpid: conn.dpid, answer: r.type });
          return undefined;
        }
        const capacity = capacityOf(conn.version, r.body);
        log.info('switch table capacity read', { dpid: conn.dpid, read: kind, capacity: capacity ?? 'none' });
        return capacity;
      } catch (e) {
        log.info('switch gave no table capacity', { dpid: conn.dpid, read: kind, error: (e as Error).message });
        return undefined;
      }
    },
  };
}

/** Reads each switch's capacity as it connects, into `setCapacity`. */
export function readCapacities(
  openflow: { on(event: 'switchConnected', l: (ev: { dpid: Dpid; connection: SwitchConnection }) => void): unknown },
  reader: CapacityReader,
  setCapacity: (dpid: Dpid, entries: number | undefined) => void,
): void {
  openflow.on('switchConnected', (ev) => {
    void reader.read(ev.connection).then((c) => {
      if (ev.connection.state === 'ready') setCapacity(ev.dpid, c);
    });
  });
}
