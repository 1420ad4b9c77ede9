import { expect } from 'chai';
import {
  migrationAbort, migrationActivated, migrationEnd, migrationStart, migrationStartBy, putNetwork, vmStart, vmStop,
  type InterfaceInput, type VmStartInput,
} from '../../../src/model/index.js';
import type { ModelSnapshot } from '../../../src/model/types.js';
import { emptySnapshot, err, ok, SW1, SW2 } from './helpers.js';

function world(): ModelSnapshot {
  let s = ok(putNetwork(emptySnapshot(), 'n1', {
    tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24', '2001:db8:1::/64'],
    dhcp: { mac: '02:00:00:00:00:02', ip: '10.1.0.2' },
    gateways: [{ mac: '02:00:00:00:00:01', ips: ['10.1.0.1'], switch: SW1, port: 'up' }],
  }));
  s = ok(putNetwork(s, 'pub', { tenant: 'isp', kind: 'public', cidrs: ['192.0.2.0/24'] }));
  return s;
}

const SW3 = '0000000000000003';
const itf = (o: Partial<InterfaceInput> = {}): InterfaceInput => ({ mac: '02:00:00:00:01:01', ips: ['10.1.0.10'], network: 'n1', switch: SW1, port: 'vnet0', ...o });
const start = (o: Partial<VmStartInput> = {}): VmStartInput => ({ vm: 'vm1', tenant: 't1', interfaces: [itf()], ...o });

describe('model: VM hooks', () => {
  it('starts a VM with canonical interfaces', () => {
    const s = ok(vmStart(world(), start({ interfaces: [itf({ mac: '02:00:00:00:01:AB', ips: ['10.1.0.10', '2001:DB8:1::a'], switch: '00:00:00:00:00:00:00:02', port: 4 })] })));
    expect(s.vms.get('vm1')).to.deep.equal({
      name: 'vm1', tenant: 't1',
      interfaces: [{ mac: '02:00:00:00:01:ab', ips: ['10.1.0.10', '2001:db8:1::a'], network: 'n1', switch: SW2, port: 4 }],
    });
  });

  it('is idempotent: the same start twice changes nothing', () => {
    const s = ok(vmStart(world(), start()));
    const r = vmStart(s, start({ interfaces: [itf({ mac: '02:00:00:00:01:01'.toUpperCase() })] }));
    expect(r.ok && r.changes).to.deep.equal([]);
  });

  it('replaces all interfaces of a running VM in one change', () => {
    const s = ok(vmStart(world(), start({ interfaces: [itf(), itf({ mac: '02:00:00:00:01:02', ips: ['10.1.0.11'], port: 'vnet1' })] })));
    const r = vmStart(s, start({ interfaces: [itf({ ips: ['10.1.0.12'], port: 'vnet7' })] }));
    const s2 = ok(r);
    expect(r.ok && r.changes.length).to.equal(1);
    expect(s2.vms.get('vm1')!.interfaces).to.have.length(1);
    expect(s2.vms.get('vm1')!.interfaces[0]!.ips).to.deep.equal(['10.1.0.12']);
    // Its old addresses are free again for another VM.
    ok(vmStart(s2, start({ vm: 'vm2', interfaces: [itf({ mac: '02:00:00:00:01:02', ips: ['10.1.0.11'] })] })));
  });

  it('validates every field of a start', () => {
    const s = world();
    err(vmStart(s, start({ vm: 'a b' })), 'invalid_name', 400, 'vm');
    err(vmStart(s, start({ tenant: '' })), 'invalid_name', 400, 'tenant');
    err(vmStart(s, start({ interfaces: [itf({ mac: '03:00:00:00:00:01' })] })), 'invalid_mac', 400, 'interfaces[0].mac');
    err(vmStart(s, start({ interfaces: [itf({ ips: ['10.1.0.x'] })] })), 'invalid_ip', 400, 'interfaces[0].ips[0]');
    err(vmStart(s, start({ interfaces: [itf({ switch: 'nope' })] })), 'invalid_switch', 400, 'interfaces[0].switch');
    err(vmStart(s, start({ interfaces: [itf({ port: '' })] })), 'invalid_port', 400, 'interfaces[0].port');
    err(vmStart(s, start({ interfaces: [itf(), itf({ ips: ['10.1.0.11'] })] })), 'duplicate_interface', 400, 'interfaces[1].mac');
    err(vmStart(s, start({ interfaces: [itf({ network: 'nx' })] })), 'network_not_found', 404, 'interfaces[0].network');
  });

  it('refuses conflicts with other holders of the network', () => {
    const s = ok(vmStart(world(), start()));
    err(vmStart(s, start({ vm: 'vm2', interfaces: [itf({ ips: ['10.1.0.20'] })] })), 'mac_in_use', 409, 'interfaces[0].mac');
    err(vmStart(s, start({ vm: 'vm2', interfaces: [itf({ mac: '02:00:00:00:02:01' })] })), 'ip_in_use', 409, 'interfaces[0].ips[0]');
    err(vmStart(s, start({ vm: 'vm2', interfaces: [itf({ mac: '02:00:00:00:00:01', ips: [] })] })), 'mac_in_use', 409, 'interfaces[0].mac');
    err(vmStart(s, start({ vm: 'vm2', interfaces: [itf({ mac: '02:00:00:00:02:01', ips: ['10.1.0.1'] })] })), 'ip_in_use', 409, 'interfaces[0].ips[0]');
    err(vmStart(s, start({ vm: 'vm2', interfaces: [itf({ mac: '02:00:00:00:02:01', ips: ['10.1.1.5'] })] })), 'ip_outside_cidrs', 409, 'interfaces[0].ips[0]');
    err(vmStart(s, start({ vm: 'vm2', interfaces: [itf({ mac: '02:00:00:00:02:01', ips: ['10.1.0.30', '10.1.0.30'] })] })), 'ip_in_use', 409, 'interfaces[0].ips[1]');
  });

  it('lets the same MAC and IP live in two different networks', () => {
    let s = ok(putNetwork(world(), 'n2', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] }));
    s = ok(vmStart(s, start()));
    ok(vmStart(s, start({ vm: 'vm2', interfaces: [itf({ network: 'n2' })] })));
  });

  it('keeps VMs of other tenants off private networks, not off public ones', () => {
    const s = world();
    err(vmStart(s, start({ tenant: 't2' })), 'tenant_mismatch', 409, 'interfaces[0].network');
    ok(vmStart(s, start({ tenant: 't2', interfaces: [itf({ network: 'pub', ips: ['192.0.2.10'] })] })));
  });

  it('stops a VM; stopping an absent VM changes nothing', () => {
    const s = ok(vmStart(world(), start()));
    const r = vmStop(s, 'vm1');
    expect(ok(r).vms.has('vm1')).to.equal(false);
    expect(r.ok && r.changes[0]!.kind).to.equal('vm');
    const again = vmStop(ok(r), 'vm1');
    expect(again.ok && again.changes).to.deep.equal([]);
    err(vmStop(s, 'bad name'), 'invalid_name', 400, 'vm');
  });

  describe('migration', () => {
    const two = () => ok(vmStart(world(), start({ interfaces: [itf(), itf({ mac: '02:00:00:00:01:02', ips: ['10.1.0.11'], port: 'vnet1' })] })));
    const dests = [{ mac: '02:00:00:00:01:02', switch: SW2, port: 'vnet9' }, { mac: '02:00:00:00:01:01', switch: SW2, port: 'vnet8' }];

    it('records the destination in the order of the VM interfaces', () => {
      const s = ok(migrationStart(two(), { vm: 'vm1', interfaces: dests }));
      expect(s.vms.get('vm1')!.migration).to.deep.equal({
        destinations: [{ mac: '02:00:00:00:01:01', switch: SW2, port: 'vnet8' }, { mac: '02:00:00:00:01:02', switch: SW2, port: 'vnet9' }],
        activated: false,
      });
      const r = migrationStart(s, { vm: 'vm1', interfaces: [...dests].reverse() });
      expect(r.ok && r.changes).to.deep.equal([]);
    });

    it('validates a migration start', () => {
      const s = two();
      err(migrationStart(s, { vm: 'vmx', interfaces: dests }), 'vm_not_found', 404, 'vm');
      err(migrationStart(s, { vm: 'vm1', interfaces: [dests[0]!] }), 'migration_incomplete', 400, 'interfaces');
      err(migrationStart(s, { vm: 'vm1', interfaces: [...dests, { ...dests[0]! }] }), 'duplicate_interface', 400, 'interfaces[2].mac');
      err(migrationStart(s, { vm: 'vm1', interfaces: [{ ...dests[0]!, mac: '02:00:00:00:09:09' }, dests[1]!] }), 'interface_not_found', 404, 'interfaces[0].mac');
      err(migrationStart(s, { vm: 'vm1', interfaces: [{ ...dests[0]!, switch: 'x' }, dests[1]!] }), 'invalid_switch', 400, 'interfaces[0].switch');
      err(migrationStart(s, { vm: 'vm1', interfaces: [{ ...dests[0]!, port: -3 }, dests[1]!] }), 'invalid_port', 400, 'interfaces[0].port');
      err(migrationStart(s, { vm: 'vm1', interfaces: [{ ...dests[0]!, mac: 'x' }, dests[1]!] }), 'invalid_mac', 400, 'interfaces[0].mac');
    });

    it('moves every interface to the destination on end', () => {
      const s = ok(migrationEnd(ok(migrationStart(two(), { vm: 'vm1', interfaces: dests })), 'vm1'));
      const vm = s.vms.get('vm1')!;
      expect(vm.migration).to.equal(undefined);
      expect(vm.interfaces.map((i) => [i.mac, i.ips, i.switch, i.port])).to.deep.equal([
        ['02:00:00:00:01:01', ['10.1.0.10'], SW2, 'vnet8'],
        ['02:00:00:00:01:02', ['10.1.0.11'], SW2, 'vnet9'],
      ]);
      const again = migrationEnd(s, 'vm1');
      expect(again.ok && again.changes).to.deep.equal([]);
    });

    it('keeps the source on abort', () => {
      const before = two();
      const s = ok(migrationAbort(ok(migrationStart(before, { vm: 'vm1', interfaces: dests })), 'vm1'));
      expect(s.vms.get('vm1')).to.deep.equal(before.vms.get('vm1'));
      err(migrationAbort(s, 'vmx'), 'vm_not_found', 404, 'vm');
      err(migrationEnd(s, 'vmx'), 'vm_not_found', 404, 'vm');
    });

    it('marks a migration activated once', () => {
      const s = ok(migrationActivated(ok(migrationStart(two(), { vm: 'vm1', interfaces: dests })), 'vm1'));
      expect(s.vms.get('vm1')!.migration!.activated).to.equal(true);
      const again = migrationActivated(s, 'vm1');
      expect(again.ok && again.changes).to.deep.equal([]);
    });

    it('takes only the identical vm-start while migrating', () => {
      const s = ok(migrationStart(two(), { vm: 'vm1', interfaces: dests }));
      const same = vmStart(s, start({ interfaces: [itf(), itf({ mac: '02:00:00:00:01:02', ips: ['10.1.0.11'], port: 'vnet1' })] }));
      expect(same.ok && same.changes).to.deep.equal([]);
      err(vmStart(s, start()), 'migration_in_progress', 409, 'vm');
    });
  });

  describe('migration asked for by one side (migrationStartBy)', () => {
    const two = () => ok(vmStart(world(), start({ interfaces: [itf(), itf({ mac: '02:00:00:00:01:02', ips: ['10.1.0.11'], port: 'vnet1' })] })));
    const to = (sw: string, ports = ['vnet8', 'vnet9']) => ({ vm: 'vm1', interfaces: [{ mac: '02:00:00:00:01:02', switch: sw, port: ports[1]! }, { mac: '02:00:00:00:01:01', switch: sw, port: ports[0]! }] });

    it('holds the first side: no migration, so no RARP activates one and no end moves the VM', () => {
      const s = ok(migrationStartBy(two(), to(SW2), 'destination'));
      const vm = s.vms.get('vm1')!;
      expect(vm.migration).to.equal(undefined);
      expect(vm.heldMigration).to.deep.equal({
        destinations: [{ mac: '02:00:00:00:01:01', switch: SW2, port: 'vnet8' }, { mac: '02:00:00:00:01:02', switch: SW2, port: 'vnet9' }],
        askedBy: 'destination',
      });
      for (const r of [migrationActivated(s, 'vm1'), migrationEnd(s, 'vm1'), migrationStartBy(s, to(SW2), 'destination')]) expect(r.ok && r.changes).to.deep.equal([]);
    });

    it('starts when the other side names the same switches, with the destination\'s ports, in either order', () => {
      const expected = { destinations: [{ mac: '02:00:00:00:01:01', switch: SW2, port: 'vnet8' }, { mac: '02:00:00:00:01:02', switch: SW2, port: 'vnet9' }], activated: false };
      const destinationFirst = ok(migrationStartBy(ok(migrationStartBy(two(), to(SW2), 'destination')), to(SW2, ['p0', 'p1']), 'source'));
      const sourceFirst = ok(migrationStartBy(ok(migrationStartBy(two(), to(SW2, ['p0', 'p1']), 'source')), to(SW2), 'destination'));
      for (const s of [destinationFirst, sourceFirst]) {
        expect(s.vms.get('vm1')!.migration).to.deep.equal(expected);
        expect(s.vms.get('vm1')!.heldMigration).to.equal(undefined);
      }
      // Agreed: the source again changes nothing; the destination may give other ports.
      expect(migrationStartBy(sourceFirst, to(SW2, ['p0', 'p1']), 'source')).to.deep.include({ changes: [] });
      expect(ok(migrationStartBy(sourceFirst, to(SW2, ['vnet3', 'vnet4']), 'destination')).vms.get('vm1')!.migration!.destinations[0]!.port).to.equal('vnet3');
    });

    it('lets the source replace a held destination, and refuses a destination the source did not name', () => {
      const claimed = ok(migrationStartBy(two(), to(SW3), 'destination'));
      const offered = ok(migrationStartBy(claimed, to(SW2), 'source'));
      expect(offered.vms.get('vm1')!.heldMigration!.askedBy).to.equal('source');
      err(migrationStartBy(offered, to(SW3), 'destination'), 'forbidden', 403, 'interfaces');
      err(migrationStartBy(offered, { vm: 'vm1', interfaces: [to(SW2).interfaces[0]!] }, 'destination'), 'migration_incomplete', 400, 'interfaces');
    });

    it('keeps a held migration across the identical vm-start; another start, an abort or a stop drops it', () => {
      const s = ok(migrationStartBy(two(), to(SW2), 'destination'));
      expect(vmStart(s, start({ interfaces: [itf(), itf({ mac: '02:00:00:00:01:02', ips: ['10.1.0.11'], port: 'vnet1' })] }))).to.deep.include({ changes: [] });
      expect(ok(vmStart(s, start())).vms.get('vm1')!.heldMigration).to.equal(undefined);
      expect(ok(migrationAbort(s, 'vm1')).vms.get('vm1')).to.deep.equal(two().vms.get('vm1'));
      expect(ok(vmStop(s, 'vm1')).vms.has('vm1')).to.equal(false);
    });
  });
});
