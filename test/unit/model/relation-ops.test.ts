import { expect } from 'chai';
import { deleteRelation, putNetwork, putRelation, vmStart, vmStop } from '../../../src/model/index.js';
import { emptySnapshot, err, ok, SW1 } from './helpers.js';

function world() {
  let s = ok(putNetwork(emptySnapshot(), 'pub', { tenant: 'isp', kind: 'public' }));
  for (const [i, vm] of ['a', 'b'].entries()) {
    s = ok(vmStart(s, { vm, tenant: `t${i}`, interfaces: [{ mac: `02:00:00:00:00:0${i + 1}`, ips: [], network: 'pub', switch: SW1, port: i + 1 }] }));
  }
  return s;
}

describe('model: relations', () => {
  it('creates, keeps idempotent, and deletes a relation', () => {
    const s = ok(putRelation(world(), 'r1', { vms: ['a', 'b'] }));
    expect(s.relations.get('r1')).to.deep.equal({ id: 'r1', vms: ['a', 'b'], tenants: ['t0', 't1'] });
    const again = putRelation(s, 'r1', { vms: ['a', 'b'] });
    expect(again.ok && again.changes).to.deep.equal([]);
    const gone = ok(deleteRelation(s, 'r1'));
    expect(gone.relations.size).to.equal(0);
    const absent = deleteRelation(gone, 'r1');
    expect(absent.ok && absent.changes).to.deep.equal([]);
  });

  it('validates ids and VMs', () => {
    const s = world();
    err(putRelation(s, 'r 1', { vms: ['a', 'b'] }), 'invalid_name', 400, 'id');
    err(putRelation(s, 'r1', { vms: ['a'] }), 'invalid_relation', 400, 'vms');
    err(putRelation(s, 'r1', { vms: ['a', 'a'] }), 'invalid_relation', 400, 'vms[1]');
    err(putRelation(s, 'r1', { vms: ['a', 'b c'] }), 'invalid_name', 400, 'vms[1]');
    err(putRelation(s, 'r1', { vms: ['a', 'zz'] }), 'vm_not_found', 404, 'vms[1]');
    err(deleteRelation(s, ''), 'invalid_name', 400, 'id');
  });

  it('outlives a stop of one of its VMs', () => {
    const s = ok(vmStop(ok(putRelation(world(), 'r1', { vms: ['a', 'b'] })), 'a'));
    expect(s.relations.has('r1')).to.equal(true);
  });
});
