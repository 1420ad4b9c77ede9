// budgets: checked by field, overrides' switches read as canonical datapath
// ids (numbers, hex forms, topology names), handed to the controller keyed
// by datapath id.
import { expect } from 'chai';
import { effectiveSettings, parseConfig } from '../../../src/config/index.js';
import { controllerOptions } from '../../../src/controller-options.js';

function refusal(text: string): { field: string | undefined; message: string } {
  const r = parseConfig(text, 'f.yaml');
  expect(r.ok, `expected a refusal of ${text}`).to.equal(false);
  return r.ok ? { field: undefined, message: '' } : { field: r.error.field, message: r.error.message };
}

const TOPOLOGY = 'topology: {switches: [{name: e1, dpid: "0000000000000011", role: edge}]}';

describe('config: budgets', () => {
  it('names the bad field', () => {
    expect(refusal('budgets: [1]').field).to.equal('budgets');
    expect(refusal('budgets: {flows: 0}').field).to.equal('budgets.flows');
    expect(refusal('budgets: {flows: 1.5}').field).to.equal('budgets.flows');
    expect(refusal('budgets: {profile: tcam}').field).to.equal('budgets.profile');
    expect(refusal('budgets: {matchModes: mac}').field).to.equal('budgets.matchModes');
    expect(refusal('budgets: {matchModes: [mac, wide]}').field).to.equal('budgets.matchModes[1]');
    expect(refusal('budgets: {colour: red}').field).to.equal('budgets.colour');
    expect(refusal('budgets: {switches: {e1: 5}}').field).to.equal('budgets.switches');
    expect(refusal('budgets: {switches: [{flows: 5}]}').field).to.equal('budgets.switches[0].switch');
    expect(refusal('budgets: {switches: [{switch: 1, flow: 5}]}').field).to.equal('budgets.switches[0].flow');
    const unknown = refusal('budgets: {switches: [{switch: nowhere, flows: 5}]}');
    expect(unknown.field).to.equal('budgets.switches[0].switch');
    expect(unknown.message).to.contain('"nowhere"');
    expect(refusal(`budgets: {switches: [{switch: e1, flows: 5}, {switch: 0x11, flows: 6}]}\n${TOPOLOGY}`).field).to.equal('budgets.switches[1].switch');
  });

  it('reads the overrides by datapath id and hands them to the controller with the defaults', () => {
    const r = parseConfig(`budgets: {flows: 9000, profile: pica8, matchModes: [mac], switches: [{switch: e1, flows: 500}, {switch: 2, profile: flows}]}\n${TOPOLOGY}`, 'f.yaml');
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const o = controllerOptions(effectiveSettings({}, r.config, {}));
    expect(o.budgets).to.deep.equal({
      flows: 9000,
      profile: 'pica8',
      matchModes: ['mac'],
      switches: new Map([['0000000000000011', { flows: 500 }], ['0000000000000002', { profile: 'flows' }]]),
    });
  });
});
