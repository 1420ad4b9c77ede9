// Table budgets against real Open vSwitch switches in Mininet, OpenFlow 1.0
// and 1.3: the capacity Spotlight reads at connect equals what
// `ovs-ofctl dump-table-features` (OF1.3) or `dump-tables` (OF1.0) reports; with a budget set exactly at what a switch
// holds, a write that would add flows there gets 409 table_budget_exceeded
// naming the switch, the flows needed and the budget, and changes nothing on
// any switch (dump-flows before and after, across an audit); a write that
// leaves that switch alone is stored.
import { expect } from 'chai';
import { appendFileSync } from 'node:fs';
import { runClientCommand } from '../../src/client/index.js';
import { api, dpidOf, E2eScenario, registerAll, SWITCHES, stopController, type Version } from '../support/e2e.js';
import { until } from '../support/wait.js';
import { mininetReadiness } from '../support/mininet.js';
import { promSample } from '../support/prom.js';

interface TableInfo {
  used: number;
  budget: number | null;
  configured: number | null;
  capacity: number | null;
  unit: string;
}

/** Each flow of a dump without its counters and duration, sorted: what the switch holds. */
function flowsOf(dump: string): string[] {
  return dump
    .split('\n')
    .filter((l) => l.includes('cookie='))
    .map((l) => l.replace(/\s*(duration|n_packets|n_bytes|idle_age|hard_age)=[^,\s]+,?/g, '').trim())
    .sort();
}

/** The sum of max_entries over the tables the pipeline writes, from `ovs-ofctl dump-tables` or `dump-table-features`. */
function dumpTablesCapacity(text: string, tables: number[]): number {
  let sum = 0;
  let table: number | undefined;
  let last: number | undefined;
  for (const line of text.split('\n')) {
    const t = /^\s*table (\d+)/.exec(line);
    if (t) table = Number(t[1]);
    const ditto = /^\s*tables (\d+)\.\.\.(\d+): ditto/.exec(line);
    if (ditto && last !== undefined) for (let i = Number(ditto[1]); i <= Number(ditto[2]); i++) if (tables.includes(i)) sum += last;
    const m = /max_entries=(\d+)/.exec(line);
    if (m && table !== undefined) {
      last = Number(m[1]);
      if (tables.includes(table)) sum += last;
    }
  }
  return sum;
}

async function tableOf(base: string, sw: string): Promise<TableInfo> {
  const list = (await api(base, 'GET', '/v1/switches')).body.switches as { dpid: string; table: TableInfo }[];
  return list.find((s) => s.dpid === dpidOf(sw))!.table;
}

for (const version of ['1.3', '1.0'] as Version[]) {
  describe(`table budgets on Open vSwitch, OpenFlow ${version}`, function () {
    this.timeout(300_000);
    let s: E2eScenario | undefined;

    before(async function () {
      const ready = mininetReadiness();
      if (ready === 'not-root') this.skip();
      if (ready !== 'ready') throw new Error(ready.error);
      s = await E2eScenario.start(version, { auditIntervalMs: 1000 });
      await registerAll(s.base);
    });

    after(async () => s?.stop());

    it('reads each switch capacity as ovs-ofctl reports it (dump-table-features, dump-tables)', async () => {
      const sc = s!;
      // OF1.3 table stats carry no max_entries: the features do.
      const read = version === '1.3' ? 'ovs-ofctl -O OpenFlow13 dump-table-features' : 'ovs-ofctl dump-tables';
      const tables = version === '1.3' ? [0, 1, 2, 3, 4, 5] : [0];
      for (const sw of SWITCHES) {
        const expected = dumpTablesCapacity(await sc.net.switchCommand(sw, `${read} ${sw}`), tables);
        expect(expected, `${sw}: dump-tables names max_entries`).to.be.greaterThan(0);
        const t = await until(`${sw} capacity`, async () => {
          const x = await tableOf(sc.base, sw);
          return x.capacity !== null ? x : undefined;
        }, { stepMs: 250, retryErrors: true });
        expect(t.capacity, sw).to.equal(expected);
        expect(t.budget, sw).to.equal(expected);
        expect(t.unit).to.equal('flows');
      }
    });

    it('with s1 budgeted at what it holds: a write adding flows on s1 is a 409 that changes no switch; one that leaves s1 alone is stored', async () => {
      const sc = s!;
      const s1 = dpidOf('s1');
      // Settle, then restart with a budget on s1 of exactly the entries its flows take now.
      const used = await until('s1 realized', async () => {
        const t = await tableOf(sc.base, 's1');
        return t.used > 0 && flowsOf(await sc.dumpFlows('s1')).length === t.used ? t.used : undefined;
      }, { stepMs: 250, retryErrors: true });
      await stopController(sc.controller);
      appendFileSync(sc.configFile, `budgets:\n  switches:\n    - {switch: s1, flows: ${used}}\n`);
      await sc.restart();
      await sc.waitSettled();
      const t = await until('s1 budget', async () => {
        const x = await tableOf(sc.base, 's1');
        return x.capacity !== null && x.used === used ? x : undefined;
      }, { stepMs: 250, retryErrors: true });
      expect(t).to.include({ used, budget: used, configured: used });

      // The budget is shown by the CLI and the metrics.
      let out = '';
      expect(await runClientCommand(['switches', '--api', sc.base], { out: (x) => (out += x), err: (x) => (out += x), env: {} })).to.equal(0);
      expect(out).to.match(new RegExp(`s1 \\(${s1}\\).*\\s${used}/${used}\\s`));
      const metrics = await (await fetch(`${sc.base}/metrics`)).text();
      expect(promSample(metrics, 'spotlight_switch_table_used', { dpid: s1 })).to.equal(used);
      expect(promSample(metrics, 'spotlight_switch_table_budget', { dpid: s1 })).to.equal(used);

      const before = new Map<string, string[]>();
      for (const sw of SWITCHES) before.set(sw, flowsOf(await sc.dumpFlows(sw)));
      const generation = (await api(sc.base, 'GET', '/v1/vms')).body.generation;

      // A second VM behind s1 port 3 needs flows on s1.
      const extra = { vm: 'x1', tenant: 'A', interfaces: [{ mac: '02:00:00:00:0a:77', ips: ['10.1.0.77'], network: 'netA', switch: s1, port: 3 }] };
      const r = await api(sc.base, 'POST', '/v1/hooks/vm-start?wait=5', extra);
      expect(r.status, JSON.stringify(r.body)).to.equal(409);
      const body = r.body as { error: { code: string; message: string }; switch: string; needed: number; budget: number };
      expect(body.error.code).to.equal('table_budget_exceeded');
      expect(body.switch).to.equal(s1);
      expect(body.budget).to.equal(used);
      expect(body.needed).to.be.greaterThan(used);
      expect(body.error.message).to.contain(s1).and.contain(String(body.needed)).and.contain(String(used));
      const vms = await api(sc.base, 'GET', '/v1/vms');
      expect(vms.body.generation, 'nothing stored').to.equal(generation);
      expect((vms.body.vms as { name: string }[]).map((v) => v.name)).to.not.include('x1');

      // Nothing changed on any switch, across two audits.
      await new Promise((res) => setTimeout(res, 2500));
      for (const sw of SWITCHES) expect(flowsOf(await sc.dumpFlows(sw)), `${sw} unchanged`).to.deep.equal(before.get(sw));

      // A VM on s4 in netB (members on s2 and s4 only) adds nothing on s1: stored and realized.
      const other = { vm: 'x2', tenant: 'B', interfaces: [{ mac: '02:00:00:00:0b:77', ips: ['10.2.0.77'], network: 'netB', switch: dpidOf('s4'), port: 3 }] };
      const ok = await api(sc.base, 'POST', '/v1/hooks/vm-start?wait=10', other);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(flowsOf(await sc.dumpFlows('s1'))).to.deep.equal(before.get('s1'));
      expect(flowsOf(await sc.dumpFlows('s4'))).to.not.deep.equal(before.get('s4'));
    });
  });
}
