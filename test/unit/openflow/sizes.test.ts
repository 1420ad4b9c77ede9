// Struct sizes from the specifications (OF1.0 openflow.h, OF1.3 openflow.h
// OFP_ASSERTs), checked against what the encoder writes.
import { expect } from 'chai';
import { encodeMessage, type OfpMessage, type PortDesc, type PortStats } from '../../../src/openflow/index.js';
import * as of10 from '../../../src/openflow/of10/constants.js';
import * as of13 from '../../../src/openflow/of13/constants.js';

const port: PortDesc = { portNo: 1, hwAddr: '02:00:00:00:00:01', name: 'p1', config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 };
const pstats: PortStats = { portNo: 1, rxPackets: 0n, txPackets: 0n, rxBytes: 0n, txBytes: 0n, rxDropped: 0n, txDropped: 0n, rxErrors: 0n, txErrors: 0n, rxFrameErr: 0n, rxOverErr: 0n, rxCrcErr: 0n, collisions: 0n, durationSec: 0, durationNsec: 0 };
const fm = (version: 1 | 4): OfpMessage => ({
  version, xid: 1, type: 'flowMod', cookie: 0n, cookieMask: 0n, tableId: 0, command: 'add', idleTimeout: 0, hardTimeout: 0, priority: 0,
  bufferId: 0, outPort: 0xffffffff, outGroup: 0xffffffff, flags: {}, match: {}, instructions: [],
});
const len = (m: OfpMessage): number => encodeMessage(m).length;
const out = (version: 1 | 4, n: number): OfpMessage => ({ version, xid: 1, type: 'packetOut', bufferId: 0, inPort: 1, actions: Array.from({ length: n }, () => ({ type: 'output', port: 1 })), data: new Uint8Array(0) });
const reply = (version: 1 | 4, body: Extract<OfpMessage, { type: 'multipartReply' }>['body']): OfpMessage => ({ version, xid: 1, type: 'multipartReply', more: false, body });

describe('openflow struct sizes', () => {
  it('OF1.0', () => {
    expect(len({ version: 1, xid: 1, type: 'hello' })).to.equal(8); // ofp_header
    expect(len(fm(1))).to.equal(72); // ofp_flow_mod (with ofp_match 40)
    expect(len(out(1, 0))).to.equal(16); // ofp_packet_out
    expect(len(out(1, 1)) - len(out(1, 0))).to.equal(8); // ofp_action_output
    expect(len({ version: 1, xid: 1, type: 'packetIn', bufferId: 0, totalLen: 0, reason: 0, tableId: 0, cookie: 0n, match: { inPort: 1 }, inPort: 1, data: new Uint8Array(0) })).to.equal(18); // ofp_packet_in without data
    expect(len({ version: 1, xid: 1, type: 'portStatus', reason: 0, desc: port })).to.equal(64); // ofp_port_status (ofp_phy_port 48)
    expect(len({ version: 1, xid: 1, type: 'featuresReply', datapathId: 1n, nBuffers: 0, nTables: 1, auxiliaryId: 0, capabilities: 0, actions: 0, ports: [port] })).to.equal(32 + 48); // ofp_switch_features + 1 port
    expect(len({ version: 1, xid: 1, type: 'flowRemoved', cookie: 0n, priority: 0, reason: 0, tableId: 0, durationSec: 0, durationNsec: 0, idleTimeout: 0, hardTimeout: 0, packetCount: 0n, byteCount: 0n, match: {} })).to.equal(88); // ofp_flow_removed
    expect(len({ version: 1, xid: 1, type: 'setConfig', flags: 0, missSendLen: 0 })).to.equal(12); // ofp_switch_config
    expect(len({ version: 1, xid: 1, type: 'multipartRequest', more: false, body: { kind: 'desc' } })).to.equal(12); // ofp_stats_request
    expect(len(reply(1, { kind: 'desc', desc: { mfrDesc: '', hwDesc: '', swDesc: '', serialNum: '', dpDesc: '' } }))).to.equal(12 + 1056); // ofp_desc_stats
    expect(len({ version: 1, xid: 1, type: 'multipartRequest', more: false, body: { kind: 'flow', tableId: 0, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} } })).to.equal(12 + 44); // ofp_flow_stats_request
    expect(len(reply(1, { kind: 'flow', flows: [{ tableId: 0, durationSec: 0, durationNsec: 0, priority: 0, idleTimeout: 0, hardTimeout: 0, flags: {}, cookie: 0n, packetCount: 0n, byteCount: 0n, match: {}, instructions: [] }] }))).to.equal(12 + 88); // ofp_flow_stats
    expect(len(reply(1, { kind: 'aggregate', packetCount: 0n, byteCount: 0n, flowCount: 0 }))).to.equal(12 + 24); // ofp_aggregate_stats_reply
    expect(len(reply(1, { kind: 'port', ports: [pstats] }))).to.equal(12 + 104); // ofp_port_stats
    expect(len(reply(1, { kind: 'table', tables: [{ tableId: 0, name: '', activeCount: 0, lookupCount: 0n, matchedCount: 0n, maxEntries: 0 }] }))).to.equal(12 + 64); // ofp_table_stats
  });

  it('OF1.3', () => {
    expect(len({ version: 4, xid: 1, type: 'hello', versions: [4] })).to.equal(16); // header + ofp_hello_elem_versionbitmap with one word
    expect(len(fm(4))).to.equal(56); // ofp_flow_mod 48 + empty ofp_match 8
    expect(len(out(4, 0))).to.equal(24); // ofp_packet_out
    expect(len(out(4, 1)) - len(out(4, 0))).to.equal(16); // ofp_action_output
    expect(len({ version: 4, xid: 1, type: 'packetIn', bufferId: 0, totalLen: 0, reason: 0, tableId: 0, cookie: 0n, match: {}, inPort: 0, data: new Uint8Array(0) })).to.equal(34); // ofp_packet_in: 24 + match 8 + pad 2
    expect(len({ version: 4, xid: 1, type: 'portStatus', reason: 0, desc: port })).to.equal(80); // ofp_port_status (ofp_port 64)
    expect(len({ version: 4, xid: 1, type: 'featuresReply', datapathId: 1n, nBuffers: 0, nTables: 1, auxiliaryId: 0, capabilities: 0, actions: 0, ports: [] })).to.equal(32); // ofp_switch_features
    expect(len({ version: 4, xid: 1, type: 'flowRemoved', cookie: 0n, priority: 0, reason: 0, tableId: 0, durationSec: 0, durationNsec: 0, idleTimeout: 0, hardTimeout: 0, packetCount: 0n, byteCount: 0n, match: {} })).to.equal(56); // ofp_flow_removed
    expect(len({ version: 4, xid: 1, type: 'roleRequest', role: 'equal', generationId: 0n })).to.equal(24); // ofp_role_request
    expect(len({ version: 4, xid: 1, type: 'multipartRequest', more: false, body: { kind: 'desc' } })).to.equal(16); // ofp_multipart_request
    expect(len({ version: 4, xid: 1, type: 'multipartRequest', more: false, body: { kind: 'flow', tableId: 0, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} } })).to.equal(16 + 40); // ofp_flow_stats_request
    expect(len(reply(4, { kind: 'flow', flows: [{ tableId: 0, durationSec: 0, durationNsec: 0, priority: 0, idleTimeout: 0, hardTimeout: 0, flags: {}, cookie: 0n, packetCount: 0n, byteCount: 0n, match: {}, instructions: [] }] }))).to.equal(16 + 56); // ofp_flow_stats
    expect(len(reply(4, { kind: 'port', ports: [pstats] }))).to.equal(16 + 112); // ofp_port_stats
    expect(len(reply(4, { kind: 'table', tables: [{ tableId: 0, name: '', activeCount: 0, lookupCount: 0n, matchedCount: 0n, maxEntries: 0 }] }))).to.equal(16 + 24); // ofp_table_stats
    expect(len(reply(4, { kind: 'portDesc', ports: [port] }))).to.equal(16 + 64); // ofp_port
    expect(len(reply(4, { kind: 'groupDesc', groups: [{ groupType: 'all', groupId: 1, buckets: [{ weight: 0, watchPort: 0, watchGroup: 0, actions: [] }] }] }))).to.equal(16 + 8 + 16); // ofp_group_desc + ofp_bucket
    expect(len({ version: 4, xid: 1, type: 'groupMod', command: 'add', groupType: 'all', groupId: 1, buckets: [] })).to.equal(16); // ofp_group_mod
    expect(len({ version: 4, xid: 1, type: 'meterMod', command: 'add', flags: 1, meterId: 1, bands: [{ type: 'drop', rate: 1, burstSize: 0 }] })).to.equal(16 + 16); // ofp_meter_mod + ofp_meter_band_drop
    expect(len({ version: 4, xid: 1, type: 'bundleControl', bundleId: 1, ctrlType: 'openRequest', flags: 0 })).to.equal(24); // onf_bundle_ctrl_msg
  });
  // As Ryu asserts beside each pack string: the sizes the decoder steps by,
  // against the specifications' OFP_ASSERTs, written out here.
  it('the named sizes the decoder steps by are the specifications\'', () => {
    const named: Record<string, unknown> = { ...of10, ...of13 };
    const spec: [string, string, number][] = [
      ['OFP10_PHY_PORT_LEN', 'ofp_phy_port (1.0)', 48],
      ['OFP10_FLOW_STATS_LEN', 'ofp_flow_stats (1.0)', 88],
      ['OFP10_PORT_STATS_LEN', 'ofp_port_stats (1.0)', 104],
      ['OFP10_TABLE_STATS_LEN', 'ofp_table_stats (1.0)', 64],
      ['OFP13_PORT_LEN', 'ofp_port (1.3)', 64],
      ['OFP13_FLOW_STATS_LEN', 'ofp_flow_stats (1.3)', 56],
      ['OFP13_PORT_STATS_LEN', 'ofp_port_stats (1.3)', 112],
      ['OFP13_TABLE_STATS_LEN', 'ofp_table_stats (1.3)', 24],
      ['OFP13_BUCKET_LEN', 'ofp_bucket (1.3)', 16],
      ['OFP13_GROUP_DESC_LEN', 'ofp_group_desc (1.3)', 8],
      ['OFP13_METER_BAND_LEN', 'ofp_meter_band_drop (1.3)', 16],
      ['OFP13_DESC_LEN', 'ofp_desc (1.3)', 1056],
      ['OFP13_GROUP_FEATURES_LEN', 'ofp_group_features (1.3)', 40],
      ['OFP13_METER_FEATURES_LEN', 'ofp_meter_features (1.3)', 16],
      ['OFP13_TABLE_FEATURES_LEN', 'ofp_table_features (1.3)', 64],
    ];
    for (const [name, struct, size] of spec) expect(named[name], `${name}: ${struct}`).to.equal(size);
    // Every size the two modules export is held against the specification above.
    expect(Object.keys(named).filter((k) => k.endsWith('_LEN')).sort()).to.deep.equal(spec.map(([n]) => n).sort());
  });
});
