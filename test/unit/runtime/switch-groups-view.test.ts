// What the operator sees of each switch's OpenFlow 1.3 groups, through the
// whole controller with scripted switches on loopback: a fat-tree of two
// edges under two aggregation switches (the fake switches carry discovery's
// probes across their described cables), one edge with a small group table
// (SELECT and ALL only, 16 and 8 groups), a switch that refuses the group
// features request, and an OpenFlow 1.0 switch. GET /v1/switches, /metrics
// and `spotlight switches` must give the features each switch was scripted
// with and the groups the reconciler made it hold.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SwitchGroupsInfo, SwitchInfo } from '../../../src/api/deps.js';
import { runClientCommand } from '../../../src/client/index.js';
import { Controller } from '../../../src/controller.js';
import type { OfpMessage } from '../../../src/openflow/message-model.js';
import type { GroupFeatures } from '../../../src/openflow/stats-model.js';
import { NO_BUFFER } from '../../../src/openflow/wire-values.js';
import { parseDescription } from '../../../src/topo/description.js';
import { FakeSwitch, port } from '../channel/support/fake-switch.js';
import { promSample } from '../../support/prom.js';
import { until } from '../../support/wait.js';
import { silentLogger } from '../../support/logs.js';

const E1 = '00000000000000e1';
const E2 = '00000000000000e2';
const A1 = '00000000000000a1';
const A2 = '00000000000000a2';
const X10 = '0000000000000010';
const XR = '00000000000000ff';

/** SELECT (16 groups) and ALL (8) only, every action on each: a small hardware group table. */
const SMALL: GroupFeatures = { types: 0b0011, capabilities: 0, maxGroups: [8, 16, 0, 0], actions: [0x1, 0x1, 0, 0] };

const DESCRIPTION = `
switches:
  - {name: e1, dpid: "${E1}", role: edge}
  - {name: e2, dpid: "${E2}", role: edge}
  - {name: a1, dpid: "${A1}", role: aggregation}
  - {name: a2, dpid: "${A2}", role: aggregation}
  - {name: x10, dpid: "${X10}", role: edge, openflow: "1.0"}
  - {name: xr, dpid: "${XR}", role: edge}
links:
  - [e1:1, a1:1]
  - [e1:2, a2:1]
  - [e2:1, a1:2]
  - [e2:2, a2:2]
`;

/** Each cable end's peer: "dpid:port" -> [dpid, port]. */
const CABLES = new Map<string, [string, number]>();
for (const [a, ap, b, bp] of [[E1, 1, A1, 1], [E1, 2, A2, 1], [E2, 1, A1, 2], [E2, 2, A2, 2]] as const) {
  CABLES.set(`${a}:${ap}`, [b, bp]);
  CABLES.set(`${b}:${bp}`, [a, ap]);
}

const POLL = { timeoutMs: 20_000, stepMs: 50 };

describe('runtime: each switch\'s groups in GET /v1/switches, /metrics and `spotlight switches`', function () {
  this.timeout(60_000);
  let dir: string;
  let c: Controller;
  let base: string;
  const fakes = new Map<string, FakeSwitch>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spotlight-groups-'));
    const desc = parseDescription(DESCRIPTION);
    if (!desc.ok) throw new Error(JSON.stringify(desc));
    c = new Controller({
      openflow: { host: '127.0.0.1', port: 0 },
      api: { host: '127.0.0.1', port: 0 },
      dataDir: join(dir, 'data'),
      logger: silentLogger(),
      topology: { description: desc.description, probeIntervalMs: 200 },
      reconcile: { settleMs: 200, maxHoldMs: 3000, bundles: false },
    });
    await c.start();
    base = c.apiAddress!;
    /** A probe sent out of a cabled port arrives at the other end as a packet-in, as a trap flow would send it. */
    const relay = (from: string) => (m: OfpMessage): boolean => {
      if (m.type !== 'packetOut') return false;
      for (const a of m.actions) {
        const peer = a.type === 'output' ? CABLES.get(`${from}:${a.port}`) : undefined;
        const to = peer && fakes.get(peer[0]);
        if (!peer || !to) continue;
        const v = to.version;
        to.send({ type: 'packetIn', version: v, xid: 0, bufferId: NO_BUFFER, totalLen: m.data.length, reason: 1, tableId: 0, cookie: 0n, match: v === 4 ? { inPort: peer[1] } : {}, inPort: peer[1], data: m.data });
      }
      return true;
    };
    const connect = async (dpid: string, opts: { groupFeatures?: GroupFeatures | 'refuse'; of10?: boolean } = {}): Promise<void> => {
      const sw = await FakeSwitch.connect({
        port: c.openflowAddress!.port,
        datapathId: BigInt(`0x${dpid}`),
        ...(opts.of10 ? { helloVersion: 1 } : { helloVersion: 4, bitmap: [4] }),
        ports: [1, 2, 3].map((n) => port(n, `p${dpid.slice(-2)}-eth${n}`)),
        ...(opts.groupFeatures ? { groupFeatures: opts.groupFeatures } : {}),
        handler: relay(dpid),
      });
      fakes.set(dpid, sw);
    };
    await connect(E1, { groupFeatures: SMALL });
    await connect(E2);
    await connect(A1);
    await connect(A2);
    await connect(X10, { of10: true });
    await connect(XR, { groupFeatures: 'refuse' });
    await until('the four cables discovered', async () => ((await get('/v1/topology')).links as unknown[]).length === 4, POLL);
    // A network with a VM on each edge: every edge then forwards towards the other.
    expect((await call('PUT', '/v1/networks/n1', { tenant: 't1', kind: 'private', cidrs: ['10.0.0.0/24'] })).status).to.equal(200);
    for (const [vm, sw, mac, ip] of [['v1', E1, '52:54:00:00:00:01', '10.0.0.1'], ['v2', E2, '52:54:00:00:00:02', '10.0.0.2']] as const) {
      const r = await call('POST', '/v1/hooks/vm-start?wait=10', { vm, tenant: 't1', interfaces: [{ mac, ips: [ip], network: 'n1', switch: sw, port: 3 }] });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
    }
    await until('every switch realized the last generation', async () => {
      const gen = ((await get('/v1/health')).generation as number);
      return switches().then((l) => l.filter((s) => s.connected).every((s) => s.realizedGeneration === gen));
    }, POLL);
  });

  after(async () => {
    for (const s of fakes.values()) s.close();
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(base + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const get = async (path: string): Promise<Record<string, unknown>> => (await call('GET', path)).body;
  const switches = async (): Promise<SwitchInfo[]> => (await get('/v1/switches')).switches as SwitchInfo[];
  const groupsOf = async (dpid: string): Promise<SwitchGroupsInfo | null | undefined> => (await switches()).find((s) => s.dpid === dpid)!.groups;
  /** The group mods a scripted switch holds now, by type: what it was sent, adds and modifies less deletes. */
  const held = (dpid: string): Record<string, number> => {
    const ids = new Map<number, string>();
    for (const m of fakes.get(dpid)!.received) {
      if (m.type !== 'groupMod') continue;
      if (m.command === 'delete') ids.delete(m.groupId);
      else ids.set(m.groupId, m.groupType);
    }
    const n: Record<string, number> = { all: 0, select: 0, indirect: 0, ff: 0 };
    for (const t of ids.values()) n[t]!++;
    return n;
  };

  it('GET /v1/switches: each OF1.3 switch\'s group types and max groups as it reported them, and the groups it was sent', async () => {
    const ovs = (inUse: Record<string, number>): SwitchGroupsInfo => ({
      reported: true,
      types: {
        all: { supported: true, maxGroups: 0xffffff00, inUse: inUse.all! },
        select: { supported: true, maxGroups: 0xffffff00, inUse: inUse.select! },
        indirect: { supported: true, maxGroups: 0xffffff00, inUse: inUse.indirect! },
        fastFailover: { supported: true, maxGroups: 0xffffff00, inUse: inUse.ff! },
      },
    });
    const e1 = held(E1);
    expect(e1.select, 'e1 spreads towards e2 over both uplinks by a SELECT group').to.be.greaterThan(0);
    expect(e1.ff, 'e1 cannot hold FAST_FAILOVER groups').to.equal(0);
    expect(await groupsOf(E1)).to.deep.equal({
      reported: true,
      types: {
        all: { supported: true, maxGroups: 8, inUse: 0 },
        select: { supported: true, maxGroups: 16, inUse: e1.select },
        indirect: { supported: false, maxGroups: 0, inUse: 0 },
        fastFailover: { supported: false, maxGroups: 0, inUse: 0 },
      },
    });
    expect(held(E2).select).to.be.greaterThan(0);
    expect(held(A1).ff, 'a1 turns away from a dead hop by FAST_FAILOVER groups').to.be.greaterThan(0);
    for (const d of [E2, A1, A2]) expect(await groupsOf(d), d).to.deep.equal(ovs(held(d)));
  });

  it('GET /v1/switches: null for the OF1.0 switch; not reported, nothing supported said and no group used, for the one that refused', async () => {
    expect(await groupsOf(X10)).to.equal(null);
    expect(await groupsOf(XR)).to.deep.equal({
      reported: false,
      types: Object.fromEntries(['all', 'select', 'indirect', 'fastFailover'].map((t) => [t, { supported: null, maxGroups: null, inUse: 0 }])),
    });
    expect(held(XR)).to.deep.equal({ all: 0, select: 0, indirect: 0, ff: 0 });
  });

  it('/metrics: group capacity per OF1.3 switch and type from its reply, and the groups in use', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const cap = (dpid: string, type: string): number | undefined => promSample(text, 'spotlight_switch_group_capacity', { dpid, type });
    const used = (dpid: string, type: string): number | undefined => promSample(text, 'spotlight_switch_groups', { dpid, type });
    expect([cap(E1, 'all'), cap(E1, 'select'), cap(E1, 'indirect'), cap(E1, 'fast_failover')]).to.deep.equal([8, 16, 0, 0]);
    expect([cap(A1, 'select'), cap(A1, 'fast_failover')]).to.deep.equal([0xffffff00, 0xffffff00]);
    expect(used(E1, 'select')).to.equal(held(E1).select);
    expect(used(E2, 'select')).to.equal(held(E2).select);
    expect(used(A1, 'fast_failover')).to.equal(held(A1).ff);
    expect(used(E1, 'fast_failover')).to.equal(0);
    // OF1.0: no group series at all; the refusing switch: no capacity (it said nothing), and none used.
    expect(text).to.not.match(new RegExp(`spotlight_switch_group(s|_capacity)\\{[^}]*dpid="${X10}"`));
    expect(text).to.not.match(new RegExp(`spotlight_switch_group_capacity\\{[^}]*dpid="${XR}"`));
    expect(used(XR, 'select')).to.equal(0);
  });

  it('spotlight switches: the groups column, and --groups per type', async () => {
    let out = '';
    const env = { SPOTLIGHT_URL: base };
    expect(await runClientCommand(['switches'], { out: (t) => (out += t), err: () => undefined, env })).to.equal(0);
    const line = (name: string): string => out.split('\n').find((l) => l.startsWith(`${name} (`))!;
    expect(line('e1')).to.contain(`select ${held(E1).select}/16 ff unsupported`);
    expect(line('a1')).to.contain(`select ${held(A1).select}/4294967040 ff ${held(A1).ff}/4294967040`);
    expect(line('x10')).to.contain('none (OF1.0)');
    expect(line('xr')).to.contain('not reported');
    out = '';
    expect(await runClientCommand(['switches', '--groups'], { out: (t) => (out += t), err: () => undefined, env })).to.equal(0);
    expect(out).to.match(new RegExp(`^e1 \\(${E1}\\)\\s+all\\s+yes\\s+0\\s+8$`, 'm'));
    expect(out).to.match(new RegExp(`^\\s+select\\s+yes\\s+${held(E1).select}\\s+16$`, 'm'));
    expect(out).to.match(new RegExp(`^x10 \\(${X10}\\)\\s+-\\s+none \\(OpenFlow 1\\.0 has no groups\\)`, 'm'));
    expect(out).to.match(new RegExp(`^xr \\(${XR}\\)\\s+all\\s+not reported\\s+0\\s+-$`, 'm'));
  });
});
