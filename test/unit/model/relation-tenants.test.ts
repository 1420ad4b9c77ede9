// Relations bind the tenants of their VMs when made: a stopped VM's name
// cannot be taken by another tenant to inherit its relations, and a running
// VM cannot be moved to another tenant by a second vm-start.
import { expect } from 'chai';
import { putNetwork, putRelation, relationState, vmStart, vmStop } from '../../../src/model/index.js';
import type { ModelSnapshot, Relation } from '../../../src/model/types.js';
import { emptySnapshot, err, ok, SW1 } from './helpers.js';

const start = (vm: string, tenant: string, n: number) => ({
  vm,
  tenant,
  interfaces: [{ mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`, ips: [`198.51.100.${n}`], network: 'pub', switch: SW1, port: n }],
});

/** alice's web1 and bob's db1 on a public segment, related. */
function world(): ModelSnapshot {
  let s = ok(putNetwork(emptySnapshot(), 'pub', { tenant: 'isp', kind: 'public', cidrs: ['198.51.100.0/24'] }));
  s = ok(vmStart(s, start('web1', 'alice', 1)));
  s = ok(vmStart(s, start('db1', 'bob', 2)));
  return ok(putRelation(s, 'r1', { vms: ['web1', 'db1'] }));
}

describe('model: relations bind tenants', () => {
  it('records the tenants of both VMs when the relation is made', () => {
    expect(world().relations.get('r1')).to.deep.equal({ id: 'r1', vms: ['web1', 'db1'], tenants: ['alice', 'bob'] });
  });

  it("mallory cannot start a VM under the name of alice's stopped, related VM; alice can", () => {
    const stopped = ok(vmStop(world(), 'web1'));
    expect(relationState(stopped, stopped.relations.get('r1')!)).to.deep.equal({ state: 'dormant', stopped: ['web1'] });
    err(vmStart(stopped, start('web1', 'mallory', 3)), 'tenant_mismatch', 409, 'tenant');
    const back = ok(vmStart(stopped, start('web1', 'alice', 3)));
    expect(relationState(back, back.relations.get('r1')!)).to.deep.equal({ state: 'active' });
  });

  it('a vm-start of a running VM under another tenant is refused, and changes nothing', () => {
    const s = world();
    err(vmStart(s, start('db1', 'mallory', 2)), 'tenant_mismatch', 409, 'tenant');
    // With other interfaces too: a running VM keeps its tenant whatever the request carries.
    err(vmStart(s, start('db1', 'mallory', 9)), 'tenant_mismatch', 409, 'tenant');
    expect(s.vms.get('db1')!.tenant).to.equal('bob');
    // Stopped, the name is free for another tenant only while no relation binds it.
    const free = ok(vmStop(ok(vmStart(s, start('other', 'bob', 5))), 'other'));
    ok(vmStart(free, start('other', 'mallory', 5)));
  });

  it('a relation stored before tenants were recorded is bound by the next start of its stopped VM, in the same commit', () => {
    const s = ok(vmStop(world(), 'web1'));
    const legacy: Relation = { id: 'r1', vms: ['web1', 'db1'], tenants: [null, 'bob'] };
    const old: ModelSnapshot = { ...s, relations: new Map([['r1', legacy]]) };
    const r = vmStart(old, start('web1', 'carol', 1));
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.snapshot.relations.get('r1')!.tenants).to.deep.equal(['carol', 'bob']);
    expect(r.changes.map((c) => c.kind)).to.deep.equal(['vm', 'relation']);
    // From then on the name is carol's.
    err(vmStart(ok(vmStop(r.snapshot, 'web1')), start('web1', 'mallory', 1)), 'tenant_mismatch', 409, 'tenant');
  });

  it('restores a relation with its tenants while its VMs are stopped (an import), refusing a running VM of another tenant', () => {
    const s = ok(vmStop(world(), 'web1'));
    const restored = ok(putRelation(s, 'r2', { vms: ['web1', 'db1'], tenants: ['alice', 'bob'] }));
    expect(restored.relations.get('r2')!.tenants).to.deep.equal(['alice', 'bob']);
    err(putRelation(s, 'r3', { vms: ['web1', 'db1'], tenants: ['alice', 'mallory'] }), 'tenant_mismatch', 409, 'tenants[1]');
    // Without tenants (the API), both VMs must run.
    err(putRelation(s, 'r4', { vms: ['web1', 'db1'] }), 'vm_not_found', 404, 'vms[0]');
  });
});
