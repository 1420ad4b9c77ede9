// `?wait` through the whole controller, with a scripted OpenFlow switch on
// loopback: no switch connected answers at once (the start-up hold
// included), an unrelated switch does not make a write wait and the
// attachment's switch is listed as pending, a connected switch is waited for,
// and one that does not confirm is named in the 504.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '../../../src/controller.js';
import { FakeSwitch } from '../channel/support/fake-switch.js';
import { until } from '../../support/wait.js';
import { silentLogger } from '../../support/logs.js';

const SW1 = '0000000000000001';
const SW2 = '0000000000000002';
const POLL = { timeoutMs: 10_000, stepMs: 20 };

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(base + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - t0 };
}

const vm = (name: string, sw: string, mac: string, port = 'eth1') => ({ vm: name, tenant: 't1', interfaces: [{ mac, ips: [], network: 'n1', switch: sw, port }] });

describe('runtime: ?wait through the controller', function () {
  this.timeout(30_000);
  let dir: string;
  let c: Controller;
  let base: string;
  const switches: FakeSwitch[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spotlight-wait-'));
    c = new Controller({
      openflow: { host: '127.0.0.1', port: 0 },
      api: { host: '127.0.0.1', port: 0 },
      dataDir: join(dir, 'data'),
      logger: silentLogger(),
      reconcile: { settleMs: 200, maxHoldMs: 2000, bundles: false },
    });
    await c.start();
    base = c.apiAddress!;
  });

  afterEach(async () => {
    for (const s of switches.splice(0)) s.close();
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connectSwitch(dpid: bigint, swallowBarriers: () => boolean = () => false): Promise<FakeSwitch> {
    const sw = await FakeSwitch.connect({
      port: c.openflowAddress!.port,
      datapathId: dpid,
      bitmap: [4],
      helloVersion: 4,
      handler: (m) => m.type === 'barrierRequest' && swallowBarriers(),
    });
    switches.push(sw);
    return sw;
  }

  it('with no switch connected, answers 200 at once with the attachment switch pending; wait=0 does not wait', async () => {
    expect((await call(base, 'PUT', '/v1/networks/n1?wait=1', { tenant: 't1', kind: 'private' })).status).to.equal(200);
    const r = await call(base, 'POST', '/v1/hooks/vm-start?wait=1', vm('vm1', SW1, '52:54:00:00:00:01'));
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.deep.equal({ generation: 2, pending: [SW1] });
    expect(r.ms).to.be.below(900);
    const z = await call(base, 'POST', '/v1/hooks/vm-start?wait=0', vm('vm2', SW1, '52:54:00:00:00:02', 'eth2'));
    expect(z.status, JSON.stringify(z.body)).to.equal(200);
    expect(z.body).to.deep.equal({ generation: 3 });
  });

  it('does not wait for an unrelated switch; waits for a connected one, and names it in a 504 when it does not confirm', async () => {
    let swallow = false;
    await connectSwitch(1n, () => swallow);
    await until('the start-up hold to end', () => c.compileLoop?.holding === false, POLL);
    await call(base, 'PUT', '/v1/networks/n1', { tenant: 't1', kind: 'private' });
    await until('switch 1 realized', () => c.reconcile!.status(SW1).realizedGeneration === 1, POLL);

    const away = await call(base, 'POST', '/v1/hooks/vm-start?wait=2', vm('vm-away', SW2, '52:54:00:00:00:03'));
    expect(away.status, JSON.stringify(away.body)).to.equal(200);
    expect(away.body).to.deep.equal({ generation: 2, pending: [SW2] });

    const here = await call(base, 'POST', '/v1/hooks/vm-start?wait=5', vm('vm-here', SW1, '52:54:00:00:00:04'));
    expect(here.status, JSON.stringify(here.body)).to.equal(200);
    expect(here.body).to.deep.equal({ generation: 3, pending: [] });
    expect(c.reconcile!.status(SW1).realizedGeneration).to.be.at.least(3);

    swallow = true;
    const lag = await call(base, 'POST', '/v1/hooks/vm-start?wait=0.5', vm('vm-lag', SW1, '52:54:00:00:00:05', 'eth2'));
    expect(lag.status, JSON.stringify(lag.body)).to.equal(504);
    expect(lag.body.generation).to.equal(4);
    expect(lag.body.lagging).to.deep.equal([{ switch: SW1, realizedGeneration: 3 }]);
    expect((lag.body.error as { message: string }).message).to.include(`${SW1} (at generation 3)`);

    // The same story on the event stream.
    const types = c.events.since(0).events.map((e) => `${e.type} ${String(e.data.switch ?? e.data.generation)}`);
    expect(types).to.include(`switch-connected ${SW1}`).and.include(`realized ${SW1}`).and.include('model 4');
  });
});
