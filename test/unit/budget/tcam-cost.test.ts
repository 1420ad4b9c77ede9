// What one flow costs by profile, and a switch's budget from the settings and
// its own report.
import { expect } from 'chai';
import { TableBudgets } from '../../../src/budget/table-budgets.js';
import { flowCost } from '../../../src/budget/tcam-cost.js';
import type { DesiredFlow } from '../../../src/compiler/types.js';
import type { Match } from '../../../src/openflow/flow-model.js';

const flows = { profile: 'flows' as const, matchModes: [] };
const pica8 = (...matchModes: string[]) => ({ profile: 'pica8' as const, matchModes });
const flow = (match: Match): DesiredFlow => ({ stage: 'x', tableId: 0, priority: 1, match, instructions: [], cookie: 0n });

describe('budget: table entries per flow', () => {
  const l2: Match = { inPort: 3, ethSrc: '02:00:00:00:00:01', vlanVid: 0 };
  const ipv4: Match = { inPort: 3, ethType: 0x0800, ipv4Src: '10.0.0.1' };
  const arp: Match = { inPort: 3, ethType: 0x0806, arpSpa: '10.0.0.1', arpOp: 1 };
  const l2AndIp: Match = { inPort: 3, ethSrc: '02:00:00:00:00:01', ethType: 0x0800, ipv4Src: '10.0.0.1' };

  it('flows: one entry per flow, whatever it matches', () => {
    for (const m of [{}, l2, ipv4, arp, l2AndIp]) expect(flowCost(flows, m)).to.equal(1);
  });

  it('pica8 without match modes: 2 TCAM entries per flow, whatever it matches', () => {
    for (const m of [{}, l2, ipv4, arp, l2AndIp]) expect(flowCost(pica8(), m)).to.equal(2);
  });

  it('pica8 with match modes: 1 entry when every field is in one enabled group (with its EtherType), else 2', () => {
    expect(flowCost(pica8('mac'), l2)).to.equal(1);
    expect(flowCost(pica8('mac'), {})).to.equal(1);
    expect(flowCost(pica8('mac'), ipv4)).to.equal(2);
    expect(flowCost(pica8('ip'), ipv4)).to.equal(1);
    // ip fixes dl_type 0x0800: a flow on in_port alone does not fit it.
    expect(flowCost(pica8('ip'), { inPort: 3 })).to.equal(2);
    expect(flowCost(pica8('ip'), { inPort: 3, ethType: 0x86dd, ipProto: 58 })).to.equal(2);
    expect(flowCost(pica8('arp_min'), arp)).to.equal(1);
    expect(flowCost(pica8('arp_tpa'), arp)).to.equal(2);
    // Fields of two groups in one flow fit neither.
    expect(flowCost(pica8('mac', 'ip'), l2AndIp)).to.equal(2);
    expect(flowCost(pica8('l2l4'), l2AndIp)).to.equal(1);
  });
});

describe('budget: a switch budget', () => {
  it('is the smaller of the settings\' and the reported capacity, either alone, or none', () => {
    const b = new TableBudgets({ flows: 1000, switches: new Map([['0000000000000002', { flows: 50 }]]) });
    expect(b.budgetOf('0000000000000001')).to.equal(1000);
    expect(b.budgetOf('0000000000000002')).to.equal(50);
    b.setCapacity('0000000000000001', 400);
    b.setCapacity('0000000000000002', 400);
    expect(b.budgetOf('0000000000000001')).to.equal(400);
    expect(b.budgetOf('0000000000000002')).to.equal(50);
    const none = new TableBudgets();
    expect(none.active).to.equal(false);
    expect(none.budgetOf('0000000000000001')).to.equal(undefined);
    none.setCapacity('0000000000000001', 70);
    expect(none.active).to.equal(true);
    expect(none.use('0000000000000001')).to.deep.equal({ used: 0, budget: 70, capacity: 70, unit: 'flows' });
  });

  it('refuses exactly past the budget, counting what the trial holds, and never a switch the trial does not grow', () => {
    const b = new TableBudgets({ flows: 3 });
    b.flowsChanged('0000000000000001', [], [flow({}), flow({ inPort: 1 })]);
    b.startTrial();
    b.flowsChanged('0000000000000001', [], [flow({ inPort: 2 })]);
    expect(b.overBudget(b.endTrial())).to.deep.equal([]);
    b.startTrial();
    b.flowsChanged('0000000000000001', [], [flow({ inPort: 3 })]);
    expect(b.overBudget(b.endTrial())).to.deep.equal([{ dpid: '0000000000000001', needed: 4, budget: 3, unit: 'flows' }]);
    // Over already (4 of 3): a trial that shrinks it or leaves it passes.
    b.startTrial();
    b.flowsChanged('0000000000000001', [flow({ inPort: 3 })], []);
    expect(b.overBudget(b.endTrial())).to.deep.equal([]);
    b.flowsChanged('0000000000000001', [], [flow({ inPort: 3 })]);
    b.startTrial();
    expect(b.overBudget(b.endTrial())).to.deep.equal([]);
  });
});
