import { expect } from 'chai';
import { MemoryLevel } from 'memory-level';
import { AddressIndex, LiveAddressIndex, type ModelFeed } from '../../../src/compiler/address-index.js';
import { answerArp } from '../../../src/compiler/arp.js';
import { emptySnapshot, putNetwork, vmStart } from '../../../src/model/index.js';
import type { ModelCommit, ModelSnapshot } from '../../../src/model/types.js';
import { openStoreOn, type KvDb } from '../../../src/store/index.js';
import { arp, ethernet } from '../../../src/sim/packets.js';
import { silentLogger } from '../../support/logs.js';

const SW = '0000000000000001';
const macOf = (i: number) => `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`;
const request = (i: number, j: number) => ethernet('ff:ff:ff:ff:ff:ff', macOf(i), 0x0806, arp(1, macOf(i), `10.0.0.${i}`, '00:00:00:00:00:00', `10.0.0.${j}`));

describe('compiler: address index kept by the store', () => {
  it('a write the store has answered is in the index before anything else runs, for every write of a group commit', async () => {
    const store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    const live = new LiveAddressIndex(store);
    await store.apply((s) => putNetwork(s, 'n', { tenant: 't', kind: 'private' }));
    // Thirty hooks at once: the store writes them as one group, then announces thirty commits.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, k) => {
        const i = k + 1;
        return store
          .apply((s) => vmStart(s, { vm: `vm${i}`, tenant: 't', interfaces: [{ mac: macOf(i), ips: [`10.0.0.${i}`], network: 'n', switch: SW, port: i }] }))
          .then(() => answerArp(live.current(), { dpid: SW, portNo: i }, request(i, i === 1 ? 2 : 1)));
      }),
    );
    // Each VM asks as soon as its own write is answered: vm1 asks for vm2, the others for vm1.
    expect(answers.every((a) => a !== null)).to.equal(true);
    expect(live.rebuilds).to.equal(0);
    live.stop();
    await store.close();
  });

  it('an index that missed a commit is rebuilt from the store rather than answer from an older model', () => {
    let model: ModelSnapshot = emptySnapshot();
    const listeners: ((c: ModelCommit) => void)[] = [];
    const feed: ModelFeed = { snapshot: () => model, onCommit: (l) => (listeners.push(l), () => undefined) };
    const live = new LiveAddressIndex(feed);
    const write = (op: (s: ModelSnapshot) => ReturnType<typeof vmStart>, announce: boolean) => {
      const r = op(model);
      if (!r.ok) throw new Error(r.error.message);
      model = { ...r.snapshot, generation: model.generation + 1 };
      if (announce) for (const l of listeners) l({ generation: model.generation, changes: r.changes });
    };
    write((s) => putNetwork(s, 'n', { tenant: 't', kind: 'private' }), true);
    write((s) => vmStart(s, { vm: 'vm1', tenant: 't', interfaces: [{ mac: macOf(1), ips: ['10.0.0.1'], network: 'n', switch: SW, port: 1 }] }), false);
    write((s) => vmStart(s, { vm: 'vm2', tenant: 't', interfaces: [{ mac: macOf(2), ips: ['10.0.0.2'], network: 'n', switch: SW, port: 2 }] }), true);
    expect(live.rebuilds).to.equal(1);
    expect(answerArp(live.current(), { dpid: SW, portNo: 1 }, request(1, 2))).to.not.equal(null);
    // The store moved on without telling: the next question rebuilds.
    write((s) => vmStart(s, { vm: 'vm3', tenant: 't', interfaces: [{ mac: macOf(3), ips: ['10.0.0.3'], network: 'n', switch: SW, port: 3 }] }), false);
    expect(answerArp(live.current(), { dpid: SW, portNo: 3 }, request(3, 1))).to.not.equal(null);
    expect(live.rebuilds).to.equal(2);
  });

  it('a snapshot asked directly is indexed once and kept with it', () => {
    const r = putNetwork(emptySnapshot(), 'n', { tenant: 't', kind: 'private' });
    if (!r.ok) throw new Error(r.error.message);
    expect(AddressIndex.of(r.snapshot)).to.equal(AddressIndex.of(r.snapshot));
  });
});
