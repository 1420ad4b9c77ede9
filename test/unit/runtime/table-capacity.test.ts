// A switch's capacity from its table reply: max_entries summed over the
// tables the pipeline writes (OF1.0 table 0, OF1.3 tables 0-5); none when the
// switch answers with an error.
import { expect } from 'chai';
import type { OfpMessage } from '../../../src/openflow/message-model.js';
import type { TableFeatures } from '../../../src/openflow/stats-model.js';
import { capacityOf, tableCapacityReader } from '../../../src/runtime/table-capacity.js';
import { silentLogger } from '../../support/logs.js';

const features = (tableId: number, maxEntries: number): TableFeatures => ({ tableId, name: `t${tableId}`, metadataMatch: 0n, metadataWrite: 0n, config: 0, maxEntries, properties: new Uint8Array(0) });
const stats = (tableId: number, maxEntries: number) => ({ tableId, name: `t${tableId}`, activeCount: 0, lookupCount: 0n, matchedCount: 0n, maxEntries });

describe('runtime: table capacity', () => {
  it('OF1.3: the sum of max_entries over tables 0-5 of the table features', () => {
    const tables = Array.from({ length: 254 }, (_, i) => features(i, i === 0 ? 50 : 1000));
    expect(capacityOf(4, { kind: 'tableFeatures', tables })).to.equal(50 + 5 * 1000);
  });

  it('OF1.0: table 0 of the table stats', () => {
    expect(capacityOf(1, { kind: 'table', tables: [stats(0, 70), stats(1, 1000)] })).to.equal(70);
    expect(capacityOf(1, { kind: 'table', tables: [stats(1, 1000)] })).to.equal(undefined);
  });

  it('asks OF1.3 switches for table features and OF1.0 switches for table stats; an error answer gives no capacity', async () => {
    const asked: string[] = [];
    const conn = (version: 1 | 4, reply: OfpMessage | Error) => ({
      version,
      dpid: '0000000000000001',
      request: async (m: { type: string; body?: { kind: string } }) => {
        asked.push(`${version}:${m.body?.kind}`);
        if (reply instanceof Error) throw reply;
        return reply;
      },
    });
    const reader = tableCapacityReader(silentLogger());
    const r13 = await reader.read(conn(4, { version: 4, xid: 1, type: 'multipartReply', more: false, body: { kind: 'tableFeatures', tables: [features(0, 10), features(1, 20)] } }) as never);
    const r10 = await reader.read(conn(1, { version: 1, xid: 1, type: 'multipartReply', more: false, body: { kind: 'table', tables: [stats(0, 30)] } }) as never);
    const none = await reader.read(conn(4, new Error('switch error BAD_REQUEST')) as never);
    expect(asked).to.deep.equal(['4:tableFeatures', '1:table', '4:tableFeatures']);
    expect([r13, r10, none]).to.deep.equal([30, 30, undefined]);
  });
});
