// What a real Open vSwitch says of its groups in the handshake, checked
// against what `ovs-ofctl dump-group-features` prints for the same bridge:
// the types and capabilities bitmaps, each type's max_groups and its action
// bitmap. Then what reaches the topology: SELECT and FAST_FAILOVER groups
// from an OF1.3 bridge, nothing said for an OF1.0 one. Then the whole
// controller over a fat-tree of bridges joined by patch ports: what
// GET /v1/switches shows of each bridge's groups must be what
// `ovs-ofctl dump-group-features` prints, and its groups in use what
// `ovs-ofctl dump-groups` lists. Run inside the integration lock:
//   flock /tmp/spotlight-integration.lock npx mocha --config .mocharc.json --timeout 300000 test/integration/group-features.test.ts
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GroupTypeName, SwitchInfo } from '../../src/api/deps.js';
import { OpenFlowServer, type SwitchConnectedEvent } from '../../src/channel/index.js';
import { Controller } from '../../src/controller.js';
import { parseDescription } from '../../src/topo/description.js';
import { channelTopologySource } from '../../src/topo/channel-source.js';
import type { TopologySourceEvents } from '../../src/topo/service.js';
import { addBridge, ovsRunning, sh, trySh } from '../support/ovs.js';
import { until, waitFor } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

const BRIDGES = [
  { name: 'spgf13', dpid: '00000000005f6f13', protocols: 'OpenFlow13' },
  { name: 'spgf10', dpid: '00000000005f6f10', protocols: 'OpenFlow10' },
];

/** ovs-ofctl's names of OF1.3 action types, by OFPAT_* code (OpenFlow 1.3.5, 7.2.5). */
const ACTION_CODES: Record<string, number> = {
  output: 0,
  copy_ttl_out: 11,
  copy_ttl_in: 12,
  set_mpls_ttl: 15,
  dec_mpls_ttl: 16,
  push_vlan: 17,
  strip_vlan: 18,
  push_mpls: 19,
  pop_mpls: 20,
  set_queue: 21,
  group: 22,
  mod_nw_ttl: 23,
  dec_ttl: 24,
  set_field: 25,
  push_pbb: 26,
  pop_pbb: 27,
};

const TYPE_NAMES = ['all', 'select', 'indirect', 'fast failover'];

/** `ovs-ofctl dump-group-features` as the reply's fields. */
function ofctlGroupFeatures(bridge: string): { types: number; capabilities: number; maxGroups: number[]; actions: number[] } {
  const text = sh('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-group-features', bridge]);
  const hex = (re: RegExp): number => Number.parseInt(re.exec(text)?.[1] ?? 'NaN', 16);
  const maxGroups = [0, 0, 0, 0];
  const actions = [0, 0, 0, 0];
  TYPE_NAMES.forEach((name, t) => {
    const m = new RegExp(`${name} group:\\n\\s*max_groups=0x([0-9a-f]+)\\n\\s*actions:([^\\n]*)`).exec(text);
    if (!m) return;
    maxGroups[t] = Number.parseInt(m[1]!, 16);
    for (const a of m[2]!.trim().split(/\s+/).filter(Boolean)) {
      const code = ACTION_CODES[a];
      if (code === undefined) throw new Error(`ovs-ofctl names an action this test does not know: ${a}`);
      actions[t]! |= 1 << code;
    }
  });
  return { types: hex(/Types:\s+0x([0-9a-f]+)/), capabilities: hex(/Capabilities:\s+0x([0-9a-f]+)/), maxGroups, actions: actions.map((x) => x >>> 0) };
}

describe('integration: group features of a real Open vSwitch', function () {
  this.timeout(120_000);
  let server: OpenFlowServer | undefined;
  const connected = new Map<string, SwitchConnectedEvent>();
  const topo = new Map<string, TopologySourceEvents['switchConnected']>();

  before(async function () {
    if (process.getuid?.() !== 0 || !ovsRunning()) return this.skip();
    server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    const addr = await server.listen();
    server.on('switchConnected', (ev) => connected.set(ev.dpid, ev));
    channelTopologySource(server).source.subscribe('switchConnected', (ev) => topo.set(ev.dpid, ev));
    for (const b of BRIDGES) addBridge({ ...b, controllers: [`tcp:127.0.0.1:${addr.port}`] });
    await waitFor(() => BRIDGES.every((b) => topo.has(b.dpid)), 30_000, 100);
  });

  after(async () => {
    for (const b of BRIDGES) trySh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
    await server?.close();
  });

  it('OpenFlow13: the handshake reads the group features ovs-ofctl prints, and the topology gets SELECT and FAST_FAILOVER groups', () => {
    const ev = connected.get(BRIDGES[0]!.dpid)!;
    expect(ev.version).to.equal(4);
    const want = ofctlGroupFeatures(BRIDGES[0]!.name);
    expect(want.types, 'ovs-ofctl lists all four group types').to.equal(0xf);
    expect(ev.groups).to.deep.equal(want);
    const groups = topo.get(BRIDGES[0]!.dpid)!.groups!;
    expect(groups).to.deep.equal({ select: want.maxGroups[1], fastFailover: want.maxGroups[3] });
    expect(groups.select).to.be.greaterThan(0);
  });

  it('OpenFlow10: nothing is asked and the topology says nothing of groups', () => {
    const ev = connected.get(BRIDGES[1]!.dpid)!;
    expect(ev.version).to.equal(1);
    expect(ev.groups).to.equal(undefined);
    expect(topo.get(BRIDGES[1]!.dpid)!.groups).to.equal(undefined);
  });
});

/** The API's group type names by OFPGT_* code, and ovs-ofctl dump-groups' names of them. */
const API_TYPES: GroupTypeName[] = ['all', 'select', 'indirect', 'fastFailover'];
const OFCTL_GROUP_TYPES: Record<string, GroupTypeName> = { all: 'all', select: 'select', indirect: 'indirect', ff: 'fastFailover' };

/** `ovs-ofctl dump-groups`: how many groups of each type the bridge holds. */
function ofctlGroupCounts(bridge: string, protocols: string): Record<GroupTypeName, number> {
  const n: Record<GroupTypeName, number> = { all: 0, select: 0, indirect: 0, fastFailover: 0 };
  for (const m of sh('ovs-ofctl', ['-O', protocols, 'dump-groups', bridge]).matchAll(/group_id=\d+,type=(\w+)/g)) {
    const t = OFCTL_GROUP_TYPES[m[1]!];
    if (!t) throw new Error(`ovs-ofctl names a group type this test does not know: ${m[1]}`);
    n[t]++;
  }
  return n;
}

describe('integration: the groups GET /v1/switches shows of real Open vSwitch bridges', function () {
  this.timeout(180_000);
  // Two edges under two aggregation bridges (patch ports 1 and 2), a VM port 3 on each edge; an OF1.0 bridge beside them.
  const FABRIC = [
    { name: 'spgfe1', dpid: '00000000005f6fe1', role: 'edge', protocols: 'OpenFlow13' },
    { name: 'spgfe2', dpid: '00000000005f6fe2', role: 'edge', protocols: 'OpenFlow13' },
    { name: 'spgfa1', dpid: '00000000005f6fa1', role: 'aggregation', protocols: 'OpenFlow13' },
    { name: 'spgfa2', dpid: '00000000005f6fa2', role: 'aggregation', protocols: 'OpenFlow13' },
    { name: 'spgfx10', dpid: '00000000005f6f1a', role: 'edge', protocols: 'OpenFlow10' },
  ];
  const CABLES: [string, number, string, number][] = [
    ['spgfe1', 1, 'spgfa1', 1],
    ['spgfe1', 2, 'spgfa2', 1],
    ['spgfe2', 1, 'spgfa1', 2],
    ['spgfe2', 2, 'spgfa2', 2],
  ];
  const dpidOf = (name: string): string => FABRIC.find((b) => b.name === name)!.dpid;
  let dir: string | undefined;
  let c: Controller | undefined;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(c!.apiAddress! + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const switches = async (): Promise<SwitchInfo[]> => (await call('GET', '/v1/switches')).body.switches as SwitchInfo[];

  before(async function () {
    if (process.getuid?.() !== 0 || !ovsRunning()) return this.skip();
    dir = mkdtempSync(join(tmpdir(), 'spotlight-gf-'));
    const yaml = [
      'switches:',
      ...FABRIC.map((b) => `  - {name: ${b.name}, dpid: "${b.dpid}", role: ${b.role}, openflow: "${b.protocols === 'OpenFlow10' ? '1.0' : '1.3'}"}`),
      'links:',
      ...CABLES.map(([a, ap, b, bp]) => `  - [${a}:${ap}, ${b}:${bp}]`),
    ].join('\n');
    const desc = parseDescription(yaml);
    if (!desc.ok) throw new Error(JSON.stringify(desc));
    c = new Controller({
      openflow: { host: '127.0.0.1', port: 0 },
      api: { host: '127.0.0.1', port: 0 },
      dataDir: join(dir, 'data'),
      logger: silentLogger(),
      topology: { description: desc.description, probeIntervalMs: 300 },
      reconcile: { settleMs: 500, maxHoldMs: 5000 },
    });
    await c.start();
    const target = `tcp:127.0.0.1:${c.openflowAddress!.port}`;
    for (const b of FABRIC) addBridge(b);
    // Patch ports with the described numbers, then an internal VM port 3 on each edge, then the controller.
    for (const [a, ap, b, bp] of CABLES) {
      sh('ovs-vsctl', [
        '--timeout=10',
        'add-port', a, `${a}-${ap}`, '--', 'set', 'interface', `${a}-${ap}`, 'type=patch', `options:peer=${b}-${bp}`, `ofport_request=${ap}`,
        '--', 'add-port', b, `${b}-${bp}`, '--', 'set', 'interface', `${b}-${bp}`, 'type=patch', `options:peer=${a}-${ap}`, `ofport_request=${bp}`,
      ]);
    }
    for (const b of FABRIC.filter((x) => x.role === 'edge')) sh('ovs-vsctl', ['--timeout=10', 'add-port', b.name, `${b.name}-p3`, '--', 'set', 'interface', `${b.name}-p3`, 'type=internal', 'ofport_request=3']);
    for (const b of FABRIC) sh('ovs-vsctl', ['--timeout=10', 'set-controller', b.name, target]);
    await until('the four cables discovered', async () => ((await call('GET', '/v1/topology')).body.links as unknown[]).length === 4, { timeoutMs: 60_000, stepMs: 250, retryErrors: true });
    expect((await call('PUT', '/v1/networks/n1', { tenant: 't1', kind: 'private', cidrs: ['10.0.0.0/24'] })).status).to.equal(200);
    const vms: [string, string, string, string][] = [
      ['v1', dpidOf('spgfe1'), '52:54:00:00:5f:01', '10.0.0.1'],
      ['v2', dpidOf('spgfe2'), '52:54:00:00:5f:02', '10.0.0.2'],
      ['v3', dpidOf('spgfx10'), '52:54:00:00:5f:03', '10.0.0.3'],
    ];
    for (const [vm, sw, mac, ip] of vms) {
      const r = await call('POST', '/v1/hooks/vm-start?wait=20', { vm, tenant: 't1', interfaces: [{ mac, ips: [ip], network: 'n1', switch: sw, port: 3 }] });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
    }
    const gen = (await call('GET', '/v1/health')).body.generation as number;
    await until('every bridge realized the last generation', async () => {
      const l = await switches();
      return l.length === FABRIC.length && l.every((s) => s.connected && s.realizedGeneration === gen);
    }, { timeoutMs: 60_000, stepMs: 250 });
  });

  after(async () => {
    for (const b of FABRIC) trySh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
    await c?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each OF1.3 bridge: the types, max groups and groups in use are what ovs-ofctl dump-group-features and dump-groups print', async () => {
    const listed = await switches();
    let select = 0;
    let ff = 0;
    for (const b of FABRIC.filter((x) => x.protocols === 'OpenFlow13')) {
      const g = listed.find((s) => s.dpid === b.dpid)!.groups!;
      const want = ofctlGroupFeatures(b.name);
      const held = ofctlGroupCounts(b.name, 'OpenFlow13');
      expect(g.reported, b.name).to.equal(true);
      for (const [t, name] of API_TYPES.entries()) {
        const supported = (want.types & (1 << t)) !== 0;
        expect(g.types[name], `${b.name} ${name}`).to.deep.equal({ supported, maxGroups: supported ? want.maxGroups[t] : 0, inUse: held[name] });
      }
      select += held.select;
      ff += held.fastFailover;
    }
    // Both kinds of group Spotlight makes are on the bridges: the comparison saw counts other than zero.
    expect(select, 'SELECT groups on the edges').to.be.greaterThan(0);
    expect(ff, 'FAST_FAILOVER groups on the aggregation bridges').to.be.greaterThan(0);
  });

  it('the OF1.0 bridge: groups null, and /metrics has no group series for it', async () => {
    const x = (await switches()).find((s) => s.dpid === dpidOf('spgfx10'))!;
    expect(x.version).to.equal('1.0');
    expect(x.groups).to.equal(null);
    const text = await (await fetch(`${c!.apiAddress!}/metrics`)).text();
    expect(text).to.not.contain(`dpid="${dpidOf('spgfx10')}",type=`);
    expect(text).to.match(new RegExp(`^spotlight_switch_group_capacity\\{dpid="${dpidOf('spgfa1')}",type="fast_failover"\\} ${ofctlGroupFeatures('spgfa1').maxGroups[3]}$`, 'm'));
  });
});
