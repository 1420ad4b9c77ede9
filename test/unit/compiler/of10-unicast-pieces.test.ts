// OF1.0 has one table, so a source's unicast to each destination it may
// reach is a flow pair per source and destination. A VM that joins a network
// of n sources on a switch must change what concerns it (its own flows, its
// pair with each of the n) and leave the other sources' flows as they are:
// re-lowering them all made every write to a large network cost n squared
// flows, keyed and compared, on the event loop.
import { expect } from 'chai';
import { compile, FlowCompiler } from '../../../src/compiler/compile.js';
import { flowText } from '../../../src/compiler/ofctl-text.js';
import { emptySnapshot, putNetwork, vmStart, type OpResult } from '../../../src/model/index.js';
import type { ModelSnapshot } from '../../../src/model/types.js';
import { dpid, fatTree } from '../../support/flowsim-topologies.js';

const N = 60;
const E0 = dpid(2);

function ok(r: OpResult): ModelSnapshot {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.snapshot;
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');
const start = (s: ModelSnapshot, n: number): OpResult =>
  vmStart(s, { vm: `vm${n}`, tenant: 't', interfaces: [{ mac: `52:54:00:00:${hex(n >> 8)}:${hex(n & 0xff)}`, ips: [`10.0.${n >> 8}.${n & 0xff}`], network: 'n1', switch: E0, port: 1 + (n % 2) }] });

describe('compiler: OF1.0 unicast, a piece per source and destination', () => {
  const topo = fatTree(2, 2, 4, 2, 1);
  let model = ok(putNetwork(emptySnapshot(), 'n1', { tenant: 't', kind: 'private', cidrs: ['10.0.0.0/16'] }));
  for (let i = 1; i <= N; i++) model = ok(start(model, i));

  it(`a VM joining ${N} on one switch adds its own flows and its pairs, removes nothing, and the result is a full compile's`, () => {
    const compiler = new FlowCompiler(model, topo);
    const r = start(model, N + 1);
    if (!r.ok) throw new Error(r.error.message);
    compiler.applyModel(r.changes, r.snapshot);
    const delta = compiler.flush().get(E0)!;
    const text = (fs: typeof delta.addedFlows) => fs.map((f) => flowText(f, 1));
    const joined = '52:54:00:00:00:3d';
    // Its unicast (IPv4 and ARP) to each of the N and to itself, theirs to it, its own access flows (ARP, DHCP, broadcast, guards), its delivery from the fabric.
    const pairs = text(delta.addedFlows).filter((t) => t.includes('priority=1200,'));
    expect(pairs.filter((t) => t.includes(`dl_src=${joined}`))).to.have.length(2 * (N + 1));
    expect(pairs.filter((t) => t.includes(`dl_dst=${joined}`) && !t.includes(`dl_src=${joined}`))).to.have.length(2 * N);
    expect(delta.addedFlows.length).to.be.below(4 * N + 20);
    expect(pairs).to.have.length(4 * N + 2);
    expect(delta.removedFlows).to.have.length(0);
    const full = compile(r.snapshot, topo).switches.get(E0)!.flows.map((f) => flowText(f, 1)).sort();
    expect(compiler.flowsOf(E0).flows.map((f) => flowText(f, 1)).sort()).to.deep.equal(full);
  });
});
