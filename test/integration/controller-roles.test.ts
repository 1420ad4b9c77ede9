// Controller roles against real Open vSwitch: two bare OpenFlow listeners (two
// controllers) on one bridge per version. Oracles: the switch's own answers
// (ROLE_REPLY, ERROR, role status) and `ovs-ofctl dump-flows` for what a
// refused flow-mod did not change.
// Run by hand inside the shared lock:
//   flock /tmp/spotlight-integration.lock npx mocha --config .mocharc.json --timeout 300000 test/integration/controller-roles.test.ts
import { expect } from 'chai';
import { OpenFlowServer, requestRole, roleErrorOf, type SwitchConnection } from '../../src/channel/index.js';
import type { FlowMod, RoleStatus } from '../../src/openflow/message-model.js';
import type { OfVersion } from '../../src/openflow/wire-values.js';
import { addBridge, haveCommand, ovsStarted, sh } from '../support/ovs.js';
import { until } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

const BRIDGES = [
  { name: 'sprole10', version: 1 as OfVersion, protocols: 'OpenFlow10', dpid: '00000000005d1010' },
  { name: 'sprole13', version: 4 as OfVersion, protocols: 'OpenFlow13', dpid: '00000000005d1313' },
];

const flow = (priority: number): Omit<FlowMod, 'version' | 'xid'> => ({
  type: 'flowMod', cookie: 0x5370000000000001n, cookieMask: 0n, tableId: 0, command: 'add', idleTimeout: 0, hardTimeout: 0,
  priority, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: {},
  match: { inPort: 1 }, instructions: [],
});

describe('integration: controller roles on real Open vSwitch (two controllers, OF1.0 and OF1.3)', function () {
  this.timeout(120_000);
  const servers: OpenFlowServer[] = [];
  const conns: Map<string, SwitchConnection>[] = [new Map(), new Map()];
  let started = false;

  before(async function () {
    if (process.getuid?.() !== 0 || !haveCommand('ovs-vsctl') || !ovsStarted()) return this.skip();
    started = true;
    for (let i = 0; i < 2; i++) {
      const s = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: silentLogger() });
      s.on('switchConnected', (ev) => conns[i]!.set(ev.dpid, ev.connection));
      servers.push(s);
    }
    const ports = await Promise.all(servers.map(async (s) => (await s.listen()).port));
    for (const b of BRIDGES) {
      addBridge({ ...b, internalPorts: 1, controllers: [...ports.map((p) => `tcp:127.0.0.1:${p}`)] });
    }
    for (const b of BRIDGES) for (const c of conns) await until(`${b.name} connected to both`, () => c.get(b.dpid));
  });

  after(async () => {
    if (!started) return;
    for (const b of BRIDGES) sh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
    await Promise.all(servers.map((s) => s.close()));
  });

  for (const b of BRIDGES) {
    const v13 = b.version === 4;
    it(`${b.protocols}: one master at a time; the slave's flow-mods are refused and change nothing${v13 ? '; a stale master request is refused' : ''}`, async () => {
      const a = conns[0]!.get(b.dpid)!;
      const c = conns[1]!.get(b.dpid)!;
      const statusesA: RoleStatus[] = [];
      a.on('roleStatus', (m) => statusesA.push(m));

      const ra = await requestRole(a, 'master', 5n);
      expect(ra).to.deep.include({ ok: true, role: 'master' });
      if (v13 && ra.ok) expect(ra.generationId).to.equal(5n);
      expect(await requestRole(c, 'slave', 5n)).to.deep.include({ ok: true, role: 'slave' });

      // The master writes; the slave's write is refused with the role error and changes nothing.
      a.send(flow(100));
      expect((await a.barrier()).errors).to.deep.equal([]);
      c.send(flow(200));
      const refused = (await c.barrier()).errors;
      expect(refused).to.have.length(1);
      expect(roleErrorOf(c.version, refused[0]!.errType, refused[0]!.code)).to.equal('notMaster');
      const priorities = () => sh('ovs-ofctl', ['-O', b.protocols, 'dump-flows', b.name]).match(/priority=\d+/g);
      expect(priorities()).to.deep.equal(['priority=100']);

      // The other controller takes over with a newer generation: the switch demotes the first.
      expect(await requestRole(c, 'master', 6n)).to.deep.include({ ok: true, role: 'master' });
      if (v13) {
        const st = await until('role status to the deposed master', () => statusesA[0]);
        expect(st).to.deep.include({ role: 'slave', reason: 'masterRequest', generationId: 6n });
      }
      a.send(flow(300));
      const late = (await a.barrier()).errors;
      expect(late.map((e) => roleErrorOf(a.version, e.errType, e.code))).to.deep.equal(['notMaster']);
      expect(priorities()).to.deep.equal(['priority=100']);

      if (v13) {
        // The deposed master asks again with its old generation: refused as stale, the new master stays.
        const again = await requestRole(a, 'master', 5n);
        expect(again).to.deep.include({ ok: false, reason: 'stale' });
        c.send(flow(400));
        expect((await c.barrier()).errors).to.deep.equal([]);
      } else {
        // The Nicira request has no generation id: the switch cannot tell a stale master, so it obeys.
        expect(await requestRole(a, 'master', 0n)).to.deep.include({ ok: true, role: 'master' });
      }
      sh('ovs-ofctl', ['-O', b.protocols, 'del-flows', b.name]);
    });
  }
});
