// A prefix followed through a connection that is lost while etcd is still
// sending the watch what it missed: every put and delete arrives all the same.
import { expect } from 'chai';
import type { Etcd3, Watcher } from 'etcd3';
import { readAndWatchPrefix } from '../../../src/cluster/prefix-watch.js';
import { connectEtcd } from '../../../src/store/index.js';
import { startEtcd, type EtcdCluster } from '../../support/etcd.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { until } from '../../support/wait.js';

describe('cluster: a prefix read, then watched', function () {
  this.timeout(120_000);
  let etcd: EtcdCluster;
  let proxy: TcpProxy;
  let writer: Etcd3;
  let reader: Etcd3;
  let watcher: Watcher | undefined;

  before(async () => {
    etcd = await startEtcd(1);
    proxy = await startTcpProxy(etcd.members[0]!.endpoint);
    writer = connectEtcd({ endpoints: [etcd.endpoints], prefix: '/', callTimeoutMs: 2000 });
    reader = connectEtcd({ endpoints: [proxy.endpoint], prefix: '/', callTimeoutMs: 2000 });
  });
  after(async () => {
    await watcher?.cancel().catch(() => undefined);
    reader?.close();
    writer?.close();
    await proxy?.close();
    await etcd?.close();
  });

  it('a connection cut while the watch catches up: the reader ends with every record the writer left', async () => {
    const seen = new Map<string, string>();
    let events = 0;
    await writer.put('p/first').value('1');
    watcher = await readAndWatchPrefix(reader, 'p/', {
      put: (key, value) => {
        events++;
        seen.set(key, value);
      },
      delete: (key) => {
        events++;
        seen.delete(key);
      },
    });
    expect([...seen.keys()]).to.deep.equal(['p/first']);
    proxy.refuse(true);
    // 1,250 revisions under the prefix, each its own: etcd sends them back in responses of 1,000 at most.
    for (let i = 0; i < 1250; i++) {
      if (i % 5 === 4) await writer.delete().key(`p/k${i - 1}`);
      else await writer.put(`p/k${i}`).value(String(i));
    }
    proxy.refuse(false);
    const before = events;
    await until('the first response of the catch-up', () => events > before, { timeoutMs: 30_000, stepMs: 1 });
    proxy.cut();
    expect(events - before, 'the cut came before the catch-up ended').to.be.lessThan(1250);
    await writer.put('p/last').value('end');
    await until('the reader saw the last put', () => seen.has('p/last'), { timeoutMs: 30_000, stepMs: 20 });
    const all = await writer.getAll().prefix('p/').strings();
    expect(seen.size, 'records the reader holds').to.equal(Object.keys(all).length);
    expect(Object.fromEntries(seen)).to.deep.equal(all);
  });
});
