import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { spoofCounts } from '../../../src/compiler/spoof.js';
import { attachMetrics, frameKind, hookName } from '../../../src/metrics/index.js';
import type { SwitchReconcileStatus } from '../../../src/reconcile/manager.js';
import type { ApplyResult, SwitchCommand, SwitchSession } from '../../../src/reconcile/ports.js';
import type { FlowStats } from '../../../src/openflow/stats-model.js';
import { makeApi, vm1, network1 } from '../api/helpers.js';

/** The value of one series in Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_:]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

function stats(p: Partial<FlowStats> & Pick<FlowStats, 'tableId' | 'priority'>): FlowStats {
  return { durationSec: 1, durationNsec: 0, idleTimeout: 0, hardTimeout: 0, flags: {} as FlowStats['flags'], cookie: 1n, packetCount: 0n, byteCount: 0n, match: {}, instructions: [], ...p };
}

function parts() {
  const openflow = new EventEmitter();
  let status: SwitchReconcileStatus[] = [];
  const store = { generation: 7 };
  const m = attachMetrics({ openflow: openflow as never, reconcile: { statusAll: () => status }, store });
  return { openflow, store, m, setStatus: (s: SwitchReconcileStatus[]) => (status = s) };
}

describe('metrics: values from the components', () => {
  it('reports the event-loop delay since the previous scrape: a 150 ms block shows as the longest, then is gone', async () => {
    const { m } = parts();
    await m.api.render();
    const t0 = Date.now();
    while (Date.now() - t0 < 150) {
      /* the event loop is blocked */
    }
    await new Promise((r) => setTimeout(r, 60));
    const text = await m.api.render();
    const max = sample(text, 'spotlight_event_loop_delay_seconds', { quantile: '1' })!;
    expect(max).to.be.within(0.12, 1.5);
    expect(sample(text, 'spotlight_event_loop_delay_samples')).to.be.at.least(1);
    await new Promise((r) => setTimeout(r, 100));
    const later = await m.api.render();
    expect(sample(later, 'spotlight_event_loop_delay_seconds', { quantile: '1' }), 'the block is not in the next window').to.be.below(0.12);
    expect(sample(later, 'spotlight_event_loop_delay_seconds', { quantile: '0.5' })).to.be.below(0.1);
    m.detach();
  });

  it('counts connected switches, flows per switch and the realized generation lag', async () => {
    const { openflow, m, setStatus } = parts();
    openflow.emit('switchConnected', { dpid: 'a' });
    openflow.emit('switchConnected', { dpid: 'b' });
    openflow.emit('switchConnected', { dpid: 'c' });
    openflow.emit('switchDisconnected', { dpid: 'c' });
    setStatus([
      { dpid: 'a', connected: true, realizedGeneration: 7, installedFlows: 12, desiredFlows: 12, failures: [] },
      { dpid: 'b', connected: true, realizedGeneration: 4, installedFlows: 3, desiredFlows: 5, failures: [] },
      { dpid: 'c', connected: false, installedFlows: 0, desiredFlows: 5, failures: [] },
    ]);
    const text = await m.api.render();
    expect(sample(text, 'spotlight_switches_connected')).to.equal(2);
    expect(sample(text, 'spotlight_switch_flows', { dpid: 'a' })).to.equal(12);
    expect(sample(text, 'spotlight_switch_flows', { dpid: 'b' })).to.equal(3);
    expect(sample(text, 'spotlight_switch_flows', { dpid: 'c' })).to.equal(undefined);
    expect(sample(text, 'spotlight_realized_generation_lag', { dpid: 'b' })).to.equal(3);
    expect(sample(text, 'spotlight_realized_generation_lag_max')).to.equal(3);
    expect(sample(text, 'spotlight_model_generation')).to.equal(7);
    // A switch that left drops its series on the next scrape.
    setStatus([{ dpid: 'a', connected: true, realizedGeneration: 7, installedFlows: 12, desiredFlows: 12, failures: [] }]);
    expect(sample(await m.api.render(), 'spotlight_switch_flows', { dpid: 'b' })).to.equal(undefined);
  });

  it('group capacity per OF1.3 switch and type from its group features, gone when it leaves; groups in use from the desired state', async () => {
    const { openflow, m, setStatus } = parts();
    // SELECT and FAST_FAILOVER; INDIRECT's max_groups set without its type bit counts for nothing.
    openflow.emit('switchConnected', { dpid: 'a', version: 4, groups: { types: 0b1010, capabilities: 0, maxGroups: [0, 64, 9, 32], actions: [0, 1, 1, 1] } });
    openflow.emit('switchConnected', { dpid: 'refused', version: 4 });
    openflow.emit('switchConnected', { dpid: 'of10', version: 1 });
    setStatus([
      { dpid: 'a', connected: true, installedFlows: 0, desiredFlows: 0, desiredGroups: { all: 0, select: 3, indirect: 0, ff: 1 }, failures: [] },
      { dpid: 'refused', connected: true, installedFlows: 0, desiredFlows: 0, desiredGroups: { all: 0, select: 0, indirect: 0, ff: 0 }, failures: [] },
      { dpid: 'of10', connected: true, installedFlows: 0, desiredFlows: 0, failures: [] },
    ]);
    const text = await m.api.render();
    const cap = (dpid: string, type: string): number | undefined => sample(text, 'spotlight_switch_group_capacity', { dpid, type });
    expect(['all', 'select', 'indirect', 'fast_failover'].map((t) => cap('a', t))).to.deep.equal([0, 64, 0, 32]);
    expect(sample(text, 'spotlight_switch_groups', { dpid: 'a', type: 'select' })).to.equal(3);
    expect(sample(text, 'spotlight_switch_groups', { dpid: 'a', type: 'fast_failover' })).to.equal(1);
    expect(cap('refused', 'select')).to.equal(undefined);
    expect(sample(text, 'spotlight_switch_groups', { dpid: 'refused', type: 'select' })).to.equal(0);
    expect(text).to.not.contain('dpid="of10",type=');
    openflow.emit('switchDisconnected', { dpid: 'a' });
    expect(sample(await m.api.render(), 'spotlight_switch_group_capacity', { dpid: 'a', type: 'select' })).to.equal(undefined);
    m.detach();
  });

  it('counts packet-ins by reason and frame kind', async () => {
    const { openflow, m } = parts();
    const arp = new Uint8Array(60);
    arp[12] = 0x08;
    arp[13] = 0x06;
    const lldp = new Uint8Array(60);
    lldp[12] = 0x88;
    lldp[13] = 0xcc;
    openflow.emit('packetIn', { dpid: 'a', message: { reason: 1, data: arp } });
    openflow.emit('packetIn', { dpid: 'a', message: { reason: 1, data: arp } });
    openflow.emit('packetIn', { dpid: 'a', message: { reason: 0, data: lldp } });
    const text = await m.api.render();
    expect(sample(text, 'spotlight_packet_ins_total', { dpid: 'a', reason: 'action', kind: 'arp' })).to.equal(2);
    expect(sample(text, 'spotlight_packet_ins_total', { dpid: 'a', reason: 'no_match', kind: 'lldp' })).to.equal(1);
  });

  it('wrapped sessions count flow-mods by command, barrier round trips and spoof drops', async () => {
    const { m } = parts();
    const inner: SwitchSession = {
      dpid: 'a',
      version: 1,
      supportsBundles: false,
      apply: async (_c: SwitchCommand[]): Promise<ApplyResult> => ({ ok: true, errors: [{ index: 0, errType: 1, code: 1 }] }),
      readFlows: async () => ({ ok: true, flows: [stats({ tableId: 0, priority: 500, match: { inPort: 3 }, packetCount: 9n })] }),
      readObjects: async () => ({ ok: true, groups: [], meters: [] }),
    };
    const s = m.session(inner);
    const fm = (command: string) => ({ type: 'flowMod', command }) as unknown as SwitchCommand;
    await s.apply([fm('add'), fm('add'), fm('deleteStrict')], { atomic: false });
    await s.readFlows();
    const text = await m.api.render();
    expect(sample(text, 'spotlight_flow_mods_sent_total', { dpid: 'a', command: 'add' })).to.equal(2);
    expect(sample(text, 'spotlight_flow_mods_sent_total', { dpid: 'a', command: 'deleteStrict' })).to.equal(1);
    expect(sample(text, 'spotlight_barrier_round_trip_seconds_count', { dpid: 'a' })).to.equal(1);
    expect(sample(text, 'spotlight_flow_mod_errors_total', { dpid: 'a' })).to.equal(1);
    expect(sample(text, 'spotlight_spoof_drops', { dpid: 'a', port: '3', stage: 'port-guard' })).to.equal(9);
  });

  it('forgets every per-switch series when the switch disconnects', async () => {
    const { openflow, m } = parts();
    const inner: SwitchSession = {
      dpid: 'gone',
      version: 1,
      supportsBundles: false,
      apply: async (): Promise<ApplyResult> => ({ ok: false, reason: 'timeout', errors: [{ index: 0, errType: 1, code: 1 }] }) as ApplyResult,
      readFlows: async () => ({ ok: true, flows: [stats({ tableId: 0, priority: 500, match: { inPort: 3 }, packetCount: 9n })] }),
      readObjects: async () => ({ ok: true, groups: [], meters: [] }),
    };
    openflow.emit('switchConnected', { dpid: 'gone' });
    const s = m.session(inner);
    await s.apply([{ type: 'flowMod', command: 'add' } as unknown as SwitchCommand], { atomic: false });
    await s.readFlows();
    openflow.emit('packetIn', { dpid: 'gone', message: { reason: 1, data: new Uint8Array(60) } });
    openflow.emit('packetIn', { dpid: 'stays', message: { reason: 1, data: new Uint8Array(60) } });
    const before = await m.api.render();
    expect(before.split('\n').filter((l) => l.includes('dpid="gone"')).length).to.be.greaterThan(3);
    openflow.emit('switchDisconnected', { dpid: 'gone' });
    await new Promise((r) => setTimeout(r, 10));
    const after = await m.api.render();
    expect(after.split('\n').filter((l) => l.includes('dpid="gone"'))).to.deep.equal([]);
    expect(sample(after, 'spotlight_packet_ins_total', { dpid: 'stays' })).to.equal(1);
  });

  it('counts refused switch sessions by reason', async () => {
    const openflow = Object.assign(new EventEmitter(), { refusals: { dpid_in_use: 0, certificate: 0 } });
    const m = attachMetrics({ openflow: openflow as never, reconcile: { statusAll: () => [] }, store: { generation: 0 } });
    openflow.refusals.dpid_in_use = 2;
    expect(sample(await m.api.render(), 'spotlight_openflow_sessions_refused_total', { reason: 'dpid_in_use' })).to.equal(2);
    openflow.refusals.dpid_in_use = 5;
    openflow.refusals.certificate = 1;
    const text = await m.api.render();
    expect(sample(text, 'spotlight_openflow_sessions_refused_total', { reason: 'dpid_in_use' })).to.equal(5);
    expect(sample(text, 'spotlight_openflow_sessions_refused_total', { reason: 'certificate' })).to.equal(1);
  });

  it('finds the spoof-drop flows of both lowerings', () => {
    const of13 = spoofCounts(4, [
      stats({ tableId: 0, priority: 0, packetCount: 5n }),
      stats({ tableId: 2, priority: 0, packetCount: 2n }),
      stats({ tableId: 0, priority: 100, match: { inPort: 1 }, instructions: [{ type: 'gotoTable', tableId: 1 }] }),
      stats({ tableId: 4, priority: 0, packetCount: 1n }),
    ]);
    expect(of13).to.deep.equal([
      { port: 'any', stage: 'port-security', packets: 5n },
      { port: 'any', stage: 'address-security', packets: 2n },
    ]);
    expect(spoofCounts(1, [stats({ tableId: 0, priority: 500, match: { inPort: 4 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 1, maxLen: 0 }] }] })])).to.deep.equal([]);
  });

  it('names hooks (matched routes of known hooks only) and frame kinds', () => {
    expect(hookName('/v1/hooks/vm-start')).to.equal('vm-start');
    expect(hookName('/v1/hooks/vm-start?wait=5')).to.equal(undefined);
    expect(hookName('/v1/hooks/made-up')).to.equal(undefined);
    expect(hookName('/v1/vms')).to.equal(undefined);
    expect(frameKind(new Uint8Array(4))).to.equal('other');
  });
});

describe('metrics: GET /metrics on the API', () => {
  it('serves the text format behind the API token and times hooks', async () => {
    const { m } = parts();
    const { app } = await makeApi({ metrics: m.api, token: 'tok' });
    const auth = { authorization: 'Bearer tok' };
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).to.equal(401);
    await app.inject({ method: 'PUT', url: '/v1/networks/n1', headers: auth, payload: network1 });
    expect((await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', headers: auth, payload: vm1 })).statusCode).to.equal(200);
    const r = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
    expect(r.statusCode).to.equal(200);
    expect(r.headers['content-type']).to.match(/^text\/plain/);
    expect(sample(r.body, 'spotlight_hook_duration_seconds_count', { hook: 'vm-start', status: '200' })).to.equal(1);
    await app.close();
  });

  it('makes no series from unauthenticated or unknown hook paths, however many a client sends', async () => {
    const { m } = parts();
    const { app } = await makeApi({ metrics: m.api, token: 'tok' });
    const auth = { authorization: 'Bearer tok' };
    for (let i = 0; i < 300; i++) {
      await app.inject({ method: 'POST', url: `/v1/hooks/made-up-${'x'.repeat(i % 50)}${String.fromCharCode(97 + (i % 26))}`, payload: {} });
      await app.inject({ method: 'POST', url: `/v1/hooks/vm-stop?n=${i}`, payload: { vm: 'x' } });
      await app.inject({ method: 'POST', url: `/v1/hooks/unknown-${String.fromCharCode(97 + (i % 26))}`, headers: auth, payload: {} });
    }
    await app.inject({ method: 'POST', url: '/v1/hooks/vm-stop?wait=0.001', headers: auth, payload: { vm: 'x' } });
    const body = (await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
    const hookSeries = new Set(body.split('\n').filter((l) => l.startsWith('spotlight_hook_duration_seconds_count')));
    expect([...hookSeries].map((l) => l.replace(/ \S+$/, ''))).to.deep.equal(['spotlight_hook_duration_seconds_count{hook="vm-stop",status="200"}']);
    await app.close();
  });
});
