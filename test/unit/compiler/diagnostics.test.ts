import { expect } from 'chai';
import { compile } from '../../../src/compiler/compile.js';
import type { ModelSnapshot, Network, Vm } from '../../../src/model/types.js';
import { countCalls } from '../../support/count-calls.js';
import { dpid, TopoBuilder } from '../../support/flowsim-topologies.js';

describe('compiler: data problems come back as diagnostics', () => {
  it('reports unknown switches, absent ports, fabric ports, unreachable switches, absent DHCP servers and duplicate MACs', () => {
    const topo = new TopoBuilder().switch(dpid(0), 2).switch(dpid(1), 2).switch(dpid(2), 2).link(dpid(0), dpid(1)).build();
    const model: ModelSnapshot = {
      generation: 1,
      networks: new Map([['n', { name: 'n', tenant: 't', kind: 'private', cidrs: [], gateways: [], dhcp: { mac: '02:00:00:00:00:99', ip: '10.0.0.99' }, segment: 5 }]]),
      vms: new Map([
        ['a', { name: 'a', tenant: 't', interfaces: [{ mac: '02:00:00:00:00:01', ips: ['10.0.0.1'], network: 'n', switch: 'ffffffffffffffff', port: 1 }] }],
        ['b', { name: 'b', tenant: 't', interfaces: [{ mac: '02:00:00:00:00:02', ips: ['10.0.0.2'], network: 'n', switch: dpid(0), port: 'vnet7' }] }],
        ['c', { name: 'c', tenant: 't', interfaces: [{ mac: '02:00:00:00:00:03', ips: ['10.0.0.3'], network: 'n', switch: dpid(0), port: 1000 }] }],
        ['d', { name: 'd', tenant: 't', interfaces: [{ mac: '02:00:00:00:00:04', ips: ['10.0.0.4'], network: 'n', switch: dpid(0), port: 1 }] }],
        ['e', { name: 'e', tenant: 't', interfaces: [{ mac: '02:00:00:00:00:05', ips: ['10.0.0.5'], network: 'n', switch: dpid(2), port: 1 }] }],
        ['f', { name: 'f', tenant: 't', interfaces: [{ mac: '02:00:00:00:00:04', ips: ['10.0.0.6'], network: 'n', switch: dpid(1), port: 1 }] }],
      ]),
      relations: new Map(),
    };
    const res = compile(model, topo);
    const codes = res.diagnostics.map((d) => `${d.code}:${d.vm ?? ''}`).sort();
    expect(codes).to.include.members(['UNKNOWN_SWITCH:a', 'PORT_NOT_PRESENT:b', 'PORT_IS_FABRIC:c', 'DUPLICATE_MAC:f', 'DHCP_SERVER_ABSENT:', 'UNREACHABLE_SWITCH:']);
    // The bound interfaces still get their flows.
    expect(res.switches.get(dpid(0))!.flows.some((f) => f.match.ethSrc === '02:00:00:00:00:04')).to.equal(true);
    expect(res.switches.get(dpid(2))!.flows.some((f) => f.match.ethSrc === '02:00:00:00:00:05')).to.equal(true);
  });
});

describe('compiler: diagnostics as they change', () => {
  it('a binding whose port is missing appears when it is written and is resolved when the port comes', async () => {
    const { FlowCompiler } = await import('../../../src/compiler/compile.js');
    const topo = new TopoBuilder().switch(dpid(0), 2).build();
    const base: ModelSnapshot = { generation: 1, networks: new Map([['n', { name: 'n', tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: 5 }]]), vms: new Map(), relations: new Map() };
    const c = new FlowCompiler(base, topo);
    expect(c.diagnosticChanges()).to.deep.equal({ appeared: [], resolved: [] });
    const vm = { name: 'a', tenant: 't', interfaces: [{ mac: '02:00:00:00:00:01', ips: ['10.0.0.1'], network: 'n', switch: dpid(0), port: 'tap9' }] };
    const next = { ...base, generation: 2, vms: new Map([['a', vm]]) };
    c.apply([{ kind: 'vm', id: 'a', after: vm }], next);
    const first = c.diagnosticChanges();
    expect(first.appeared.map((d) => d.code)).to.deep.equal(['PORT_NOT_PRESENT']);
    expect(first.resolved).to.deep.equal([]);
    // Nothing new: nothing to say.
    expect(c.diagnosticChanges()).to.deep.equal({ appeared: [], resolved: [] });
    const ports = new Map(topo.switches.get(dpid(0))!.ports);
    ports.set(9, { portNo: 9, name: 'tap9', up: true });
    c.applyTopology({ ...topo, version: 2, switches: new Map([[dpid(0), { ...topo.switches.get(dpid(0))!, ports }]]) }, new Set([dpid(0)]), false);
    c.flush();
    const then = c.diagnosticChanges();
    expect(then.appeared).to.deep.equal([]);
    expect(then.resolved.map((d) => d.code)).to.deep.equal(['PORT_NOT_PRESENT']);
  });
});

describe('compiler: diagnostics cost what changed', () => {
  it('a switch becoming a destination (its first VM) diagnoses the networks with members there, not every network', async () => {
    const { FlowCompiler } = await import('../../../src/compiler/compile.js');
    const { fatTree } = await import('../../support/flowsim-topologies.js');
    const topo = fatTree(2, 3, 4);
    const edges = [...topo.switches.keys()].filter((d) => topo.switches.get(d)!.ports.size > 2).sort();
    const networks = new Map<string, Network>();
    const vms = new Map<string, Vm>();
    for (let i = 0; i < 30; i++) {
      networks.set(`n${i}`, { name: `n${i}`, tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: 10 + i });
      for (const k of [0, 1]) {
        const name = `v${i}-${k}`;
        const mac = `02:00:00:00:${i.toString(16).padStart(2, '0')}:0${k}`;
        vms.set(name, { name, tenant: 't', interfaces: [{ mac, ips: [`10.${i}.0.${k + 1}`], network: `n${i}`, switch: edges[k]!, port: 1 }] });
      }
    }
    const base: ModelSnapshot = { generation: 1, networks, vms, relations: new Map() };
    const c = new FlowCompiler(base, topo);
    c.diagnosticChanges();
    const diagnosed = countCalls(c, 'networkDiagnostics');
    // The first VM on the third edge switch: routes towards that switch are computed.
    const vm: Vm = { name: 'new', tenant: 't', interfaces: [{ mac: '02:00:00:00:ff:01', ips: ['10.0.0.9'], network: 'n0', switch: edges[2]!, port: 1 }] };
    c.apply([{ kind: 'vm', id: 'new', after: vm }], { ...base, generation: 2, vms: new Map([...vms, ['new', vm]]) });
    expect(c.diagnosticChanges()).to.deep.equal({ appeared: [], resolved: [] });
    expect(diagnosed.count, 'networks diagnosed again').to.equal(1);
  });
});
