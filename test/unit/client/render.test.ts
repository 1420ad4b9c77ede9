// The commands' tables: flows fit the terminal and show the meter, VMs show
// where a migration goes, switches their topology names, and generations say
// when there is no switch.
import { expect } from 'chai';
import type { SwitchGroupsInfo } from '../../../src/api/deps.js';
import { groupsText, renderFlows, renderGenerations, renderSwitchGroups, renderSwitches, renderVms, generationsView } from '../../../src/client/render.js';

describe('client: tables', () => {
  it('flows fit the terminal width, cutting long matches and actions with ~, and show the meter id', () => {
    const long = 'in_port=3,dl_src=52:54:00:00:00:01,dl_type=0x0800,nw_src=10.1.0.10,nw_dst=10.1.0.20,tp_src=68,tp_dst=67,dl_vlan=100';
    const out = renderFlows({ switch: 's', version: '1.3', flows: [{ table: 2, priority: 100, cookie: '0x1', packets: 1, bytes: 60, durationSec: 1, match: long, actions: `meter:1,${'output:7,'.repeat(12)}`, meter: 1 }] }, 100);
    const lines = out.trimEnd().split('\n');
    for (const l of lines) expect(l.length, l).to.be.at.most(100);
    expect(lines[1]).to.match(/METER\s+MATCH\s+ACTIONS/);
    expect(lines[2]).to.match(/\s1\s+in_port=3,.*~\s+meter:1,.*~$/);
  });

  it('VMs show where a migration goes; switches and generations show topology names', () => {
    const vm = { name: 'v', tenant: 't', interfaces: [{ mac: '52:54:00:00:00:01', ips: [], network: 'n', switch: '0000000000000001', port: 'vnet0' }], migration: { destinations: [{ mac: '52:54:00:00:00:01', switch: '0000000000000002', port: 'vnet9' }], activated: false } };
    expect(renderVms({ vms: [vm] })).to.contain('migrating to 0000000000000002:vnet9');
    const sw = { dpid: '0000000000000001', name: 'e1', role: 'edge', version: '1.3', connected: true, ports: [], flowCount: 3, realizedGeneration: 2 };
    expect(renderSwitches({ switches: [sw] })).to.match(/e1 \(0000000000000001\)\s+edge\s+1\.3/);
    expect(renderGenerations(generationsView({ generation: 4 }, { switches: [sw] }))).to.match(/e1 \(0000000000000001\)\s+yes\s+2\s+2/);
    expect(renderGenerations(generationsView({ generation: 4 }, { switches: [] }))).to.equal('model generation 4\nno switches: none has connected, so none has realized a generation\n');
  });

  it('groups: none on OF1.0, "not reported" for a connected OF1.3 switch that gave no group features, used/max otherwise', () => {
    const base = { dpid: '0000000000000001', ports: [], flowCount: 0, realizedGeneration: null };
    const unreported = (inUse: number): SwitchGroupsInfo => ({
      reported: false,
      types: { all: { supported: null, maxGroups: null, inUse: 0 }, select: { supported: null, maxGroups: null, inUse }, indirect: { supported: null, maxGroups: null, inUse: 0 }, fastFailover: { supported: null, maxGroups: null, inUse: 0 } },
    });
    const of10 = { ...base, version: '1.0', connected: true, groups: null };
    expect(groupsText(of10)).to.equal('none (OF1.0)');
    expect(renderSwitchGroups({ switches: [of10] })).to.match(/^0000000000000001\s+-\s+none \(OpenFlow 1\.0 has no groups\)\s+-\s+-$/m);
    expect(groupsText({ ...base, version: '1.3', connected: true, groups: unreported(0) })).to.equal('not reported');
    expect(groupsText({ ...base, version: '1.3', connected: true, groups: unreported(3) })).to.equal('not reported, 3 in use');
    expect(groupsText({ ...base, version: '1.3', connected: false, groups: unreported(3) })).to.equal('-');
    expect(groupsText({ ...base, version: null, connected: false, groups: null })).to.equal('-');
    // An API without the field (an older controller).
    expect(groupsText({ ...base, version: '1.3', connected: true })).to.equal('-');
  });
});
