import { expect } from 'chai';
import { Port } from '../../../src/openflow/wire-values.js';
import { type Instruction } from '../../../src/openflow/flow-model.js';
import { canonicalInstructions, isDropFlow, sameInstructions } from '../../../src/reconcile/action-key.js';

describe('reconcile/action-key: instructions as the switch reports them', () => {
  it('an empty apply-actions is the same as no instruction (OVS reports "drop")', () => {
    expect(sameInstructions([{ type: 'applyActions', actions: [] }], [])).to.equal(true);
  });
  it('OF1.0 rewrites equal OF1.3 set-fields, with or without OFPVID_PRESENT', () => {
    const of10: Instruction[] = [{ type: 'applyActions', actions: [{ type: 'setDlSrc', mac: '02:00:00:00:00:AA' }, { type: 'setVlanVid', vid: 5 }, { type: 'setNwTos', tos: 16 }, { type: 'stripVlan' }, { type: 'output', port: 1 }] }];
    const of13: Instruction[] = [{ type: 'applyActions', actions: [{ type: 'setField', field: 'ethSrc', value: '02:00:00:00:00:aa' }, { type: 'setField', field: 'vlanVid', value: 0x1005 }, { type: 'setField', field: 'ipDscp', value: 4 }, { type: 'popVlan' }, { type: 'output', port: 1 }] }];
    expect(canonicalInstructions(of10)).to.equal(canonicalInstructions(of13));
  });
  it('instructions in any order equal the order OVS lists them', () => {
    const a: Instruction[] = [{ type: 'gotoTable', tableId: 2 }, { type: 'applyActions', actions: [{ type: 'output', port: 1 }] }, { type: 'meter', meterId: 1 }];
    const b: Instruction[] = [{ type: 'meter', meterId: 1 }, { type: 'applyActions', actions: [{ type: 'output', port: 1 }] }, { type: 'gotoTable', tableId: 2 }];
    expect(sameInstructions(a, b)).to.equal(true);
  });
  it('the order of actions matters', () => {
    const a: Instruction[] = [{ type: 'applyActions', actions: [{ type: 'output', port: 1 }, { type: 'setDlDst', mac: '02:00:00:00:00:01' }, { type: 'output', port: 2 }] }];
    const b: Instruction[] = [{ type: 'applyActions', actions: [{ type: 'setDlDst', mac: '02:00:00:00:00:01' }, { type: 'output', port: 1 }, { type: 'output', port: 2 }] }];
    expect(sameInstructions(a, b)).to.equal(false);
  });
  it('a controller output without max_len means the whole packet; other ports ignore max_len', () => {
    expect(sameInstructions([{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }], [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER, maxLen: 0xffff }] }])).to.equal(true);
    expect(sameInstructions([{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER, maxLen: 128 }] }], [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }])).to.equal(false);
    expect(sameInstructions([{ type: 'applyActions', actions: [{ type: 'output', port: 3, maxLen: 0 }] }], [{ type: 'applyActions', actions: [{ type: 'output', port: 3 }] }])).to.equal(true);
  });
  it('write-metadata compares the masked value', () => {
    expect(sameInstructions([{ type: 'writeMetadata', metadata: 0x1ffn, mask: 0xffn }], [{ type: 'writeMetadata', metadata: 0xffn, mask: 0xffn }])).to.equal(true);
  });
  it('tells drop flows from forwarding ones', () => {
    expect(isDropFlow([])).to.equal(true);
    expect(isDropFlow([{ type: 'applyActions', actions: [{ type: 'setDlSrc', mac: '02:00:00:00:00:01' }] }])).to.equal(true);
    expect(isDropFlow([{ type: 'gotoTable', tableId: 1 }])).to.equal(false);
    expect(isDropFlow([{ type: 'applyActions', actions: [{ type: 'output', port: 1 }] }])).to.equal(false);
  });
});
