import { expect } from 'chai';
import { MemoryLevel } from 'memory-level';
import { migrationAbort, migrationStart, putNetwork, vmStart, vmStop } from '../../../src/model/index.js';
import { ModelBoundPorts } from '../../../src/runtime/bound-ports.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import type { PortRefOnSwitch } from '../../../src/topo/types.js';
import { silentLogger } from '../../support/logs.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';

async function store(): Promise<Store> {
  return openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
}

async function must(s: Store, op: Parameters<Store['apply']>[0]): Promise<void> {
  const r = await s.apply(op);
  if (!r.ok) throw new Error(r.error.message);
}

const vm = (name: string, mac: string, sw: string, port: string | number) => ({
  vm: name,
  tenant: 't1',
  interfaces: [{ mac, ips: [], network: 'n1', switch: sw, port }],
});

describe('runtime/bound-ports: ports with a VM interface or gateway, from the model', () => {
  it('follows vm-start, migrations, gateways and vm-stop, reporting the ports each commit touched', async () => {
    const s = await store();
    await must(s, (m) => putNetwork(m, 'n1', { tenant: 't1', kind: 'public', gateways: [{ mac: '02:00:00:00:00:01', ips: [], switch: S2, port: 7 }] }));
    const bound = new ModelBoundPorts(s);
    const told: PortRefOnSwitch[][] = [];
    bound.onChange((p) => told.push([...p]));
    expect(bound.isBound(S2, 7, 'whatever')).to.equal(true);

    await must(s, (m) => vmStart(m, vm('a', '52:54:00:00:00:01', S1, 'vnet1')));
    expect(bound.isBound(S1, 5, 'vnet1')).to.equal(true);
    expect(bound.isBound(S1, 5, 'vnet2')).to.equal(false);
    expect(told.at(-1)).to.deep.equal([{ dpid: S1, port: 'vnet1' }]);

    await must(s, (m) => migrationStart(m, { vm: 'a', interfaces: [{ mac: '52:54:00:00:00:01', switch: S2, port: 3 }] }));
    expect(bound.isBound(S2, 3, 'x')).to.equal(true);
    await must(s, (m) => migrationAbort(m, 'a'));
    expect(bound.isBound(S2, 3, 'x')).to.equal(false);
    expect(bound.isBound(S1, 5, 'vnet1')).to.equal(true);

    // Two VMs on one port name (a stale binding and a new one): unbound only when both go.
    await must(s, (m) => vmStart(m, vm('b', '52:54:00:00:00:02', S1, 'vnet1')));
    await must(s, (m) => vmStop(m, 'a'));
    expect(bound.isBound(S1, 5, 'vnet1')).to.equal(true);
    await must(s, (m) => vmStop(m, 'b'));
    expect(bound.isBound(S1, 5, 'vnet1')).to.equal(false);
    expect(bound.switchCount).to.equal(1);

    await must(s, (m) => putNetwork(m, 'n1', { tenant: 't1', kind: 'public' }));
    expect(bound.isBound(S2, 7, 'whatever')).to.equal(false);
    expect(bound.switchCount).to.equal(0);
    bound.stop();
    await s.close();
  });

  it('starts from what the store already holds', async () => {
    const s = await store();
    await must(s, (m) => putNetwork(m, 'n1', { tenant: 't1', kind: 'private' }));
    await must(s, (m) => vmStart(m, vm('a', '52:54:00:00:00:01', S1, 4)));
    const bound = new ModelBoundPorts(s);
    expect(bound.isBound(S1, 4, 'eth4')).to.equal(true);
    bound.stop();
    await s.close();
  });
});
