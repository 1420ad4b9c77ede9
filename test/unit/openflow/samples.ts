// One or more canonical values of every message type, for both versions.
// Canonical: decode(encode(x)) gives x back exactly. `print` is text that
// ovs-ofctl ofp-print must show for the encoding.
import type { Action, Match, OfpMessage, PortDesc } from '../../../src/openflow/index.js';

export interface Sample {
  name: string;
  msg: OfpMessage;
  print?: string[];
}

const arp60 = new Uint8Array(Buffer.from('ffffffffffff000000000001080600010800060400010000000000010a0000010000000000000a000002' + '00'.repeat(18), 'hex'));

const port13 = (n: number, name: string): PortDesc => ({
  portNo: n, hwAddr: '02:00:00:00:00:0' + (n % 10), name, config: 0, state: 4, curr: 0x840, advertised: 0, supported: 0, peer: 0,
  currSpeed: 10000000, maxSpeed: 0,
});
const port10 = (n: number, name: string): PortDesc => ({ ...port13(n, name), currSpeed: 0, maxSpeed: 0 });

/** The eight properties OVS requires of a table's features, each empty (instructions, next tables, write and apply actions, match, wildcards, write and apply set-field). */
const tableProps = Uint8Array.from([0, 2, 4, 6, 8, 10, 12, 14].flatMap((t) => [0, t, 0, 4, 0, 0, 0, 0]));

const flowBase = {
  cookie: 0x1122334455667788n, idleTimeout: 10, hardTimeout: 20, priority: 1000, bufferId: 0xffffffff, outPort: 0xffffffff,
  outGroup: 0xffffffff, flags: {},
} as const;

const every13Action: Action[] = [
  { type: 'output', port: 1 },
  { type: 'output', port: 0xfffffffd, maxLen: 0xffff },
  { type: 'output', port: 0xfffffff8 },
  { type: 'output', port: 0xfffffffb },
  { type: 'output', port: 0xfffffffc },
  { type: 'output', port: 0xfffffffe },
  { type: 'output', port: 0xfffffffa },
  { type: 'output', port: 0xfffffff9 },
  { type: 'group', groupId: 7 },
  { type: 'setQueue', queueId: 3 },
  { type: 'pushVlan', ethertype: 0x8100 },
  { type: 'setField', field: 'vlanVid', value: 0x1000 | 42 },
  { type: 'popVlan' },
  { type: 'decNwTtl' },
  { type: 'setNwTtl', ttl: 9 },
  { type: 'setField', field: 'ethSrc', value: '02:00:00:00:00:01' },
  { type: 'setField', field: 'ipv4Dst', value: '192.0.2.7' },
  { type: 'setField', field: 'tcpDst', value: 443 },
  { type: 'setField', field: 'metadata', value: 5n },
  { type: 'setField', field: 'tunnelId', value: 0x77n },
  // Nicira NXAST_RESUBMIT (subtype 1) to port 5.
  { type: 'experimenter', experimenter: 0x2320, data: new Uint8Array([0, 1, 0, 5, 0, 0, 0, 0]) },
];

const every10Action: Action[] = [
  { type: 'output', port: 1 },
  { type: 'output', port: 0xfffffffd, maxLen: 128 },
  { type: 'output', port: 0xfffffff8 },
  { type: 'output', port: 0xfffffffb },
  { type: 'output', port: 0xfffffffc },
  { type: 'output', port: 0xfffffffe },
  { type: 'output', port: 0xfffffffa },
  { type: 'output', port: 0xfffffff9 },
  { type: 'setVlanVid', vid: 10 },
  { type: 'setVlanPcp', pcp: 5 },
  { type: 'stripVlan' },
  { type: 'setDlSrc', mac: '02:00:00:00:00:01' },
  { type: 'setDlDst', mac: '02:00:00:00:00:02' },
  { type: 'setNwSrc', ip: '10.1.2.3' },
  { type: 'setNwDst', ip: '10.3.2.1' },
  { type: 'setNwTos', tos: 0x28 },
  { type: 'setTpSrc', port: 1234 },
  { type: 'setTpDst', port: 80 },
  { type: 'enqueue', port: 2, queueId: 9 },
];

export const match13: Match = { inPort: 1, ethSrc: 'aa:bb:cc:dd:ee:ff', ethType: 0x0800, ipv4Src: { value: '10.0.0.0', mask: '255.255.255.0' } };

export const samples13: Sample[] = [
  { name: 'hello with bitmap', msg: { version: 4, xid: 1, type: 'hello', versions: [1, 4] }, print: ['OFPT_HELLO (OF1.3)', 'version bitmap: 0x01, 0x04'] },
  { name: 'hello plain', msg: { version: 4, xid: 2, type: 'hello' }, print: ['OFPT_HELLO (OF1.3)'] },
  { name: 'error', msg: { version: 4, xid: 3, type: 'error', errType: 1, code: 1, data: new Uint8Array([4, 2, 0, 8, 0, 0, 0, 3]) }, print: ['OFPT_ERROR (OF1.3)', 'OFPBRC_BAD_TYPE', 'OFPT_ECHO_REQUEST (OF1.3)'] },
  { name: 'experimenter error', msg: { version: 4, xid: 3, type: 'error', errType: 0xffff, code: 2, experimenter: 0x4f4e4600, data: new Uint8Array(0) } },
  { name: 'echo request', msg: { version: 4, xid: 4, type: 'echoRequest', data: new Uint8Array([1, 2, 3]) }, print: ['OFPT_ECHO_REQUEST (OF1.3)', '3 bytes of payload'] },
  { name: 'echo reply', msg: { version: 4, xid: 5, type: 'echoReply', data: new Uint8Array(0) }, print: ['OFPT_ECHO_REPLY (OF1.3)'] },
  { name: 'experimenter', msg: { version: 4, xid: 6, type: 'experimenter', experimenter: 0x00abcdef, expType: 9, data: new Uint8Array([1, 2, 3, 4]) } },
  { name: 'features request', msg: { version: 4, xid: 7, type: 'featuresRequest' }, print: ['OFPT_FEATURES_REQUEST (OF1.3)'] },
  {
    name: 'features reply',
    msg: { version: 4, xid: 8, type: 'featuresReply', datapathId: 0x0000000000000001n, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f, actions: 0, ports: [] },
    print: ['OFPT_FEATURES_REPLY (OF1.3)', 'dpid:0000000000000001', 'n_tables:254'],
  },
  { name: 'get config request', msg: { version: 4, xid: 9, type: 'getConfigRequest' }, print: ['OFPT_GET_CONFIG_REQUEST (OF1.3)'] },
  { name: 'get config reply', msg: { version: 4, xid: 10, type: 'getConfigReply', flags: 0, missSendLen: 128 }, print: ['miss_send_len=128'] },
  { name: 'set config', msg: { version: 4, xid: 11, type: 'setConfig', flags: 0, missSendLen: 0xffff }, print: ['OFPT_SET_CONFIG (OF1.3)', 'miss_send_len=65535'] },
  {
    name: 'packet in',
    msg: { version: 4, xid: 0, type: 'packetIn', bufferId: 0xffffffff, totalLen: 60, reason: 1, tableId: 3, cookie: 0xabn, match: { inPort: 5, tunnelId: 9n }, inPort: 5, data: arp60 },
    print: ['OFPT_PACKET_IN (OF1.3)', 'total_len=60', 'in_port=5', 'table_id=3', 'cookie=0xab', 'arp'],
  },
  {
    name: 'flow removed',
    msg: {
      version: 4, xid: 0, type: 'flowRemoved', cookie: 0x99n, priority: 7, reason: 0, tableId: 2, durationSec: 5, durationNsec: 6,
      idleTimeout: 30, hardTimeout: 60, packetCount: 11n, byteCount: 1111n, match: { ethType: 0x0806, arpTpa: '10.0.0.1' },
    },
    print: ['OFPT_FLOW_REMOVED (OF1.3)', 'arp_tpa=10.0.0.1', 'reason=idle', 'table_id=2', 'pkts11', 'bytes1111'],
  },
  { name: 'port status', msg: { version: 4, xid: 0, type: 'portStatus', reason: 2, desc: port13(3, 'vnet3') }, print: ['OFPT_PORT_STATUS (OF1.3)', 'MOD: 3(vnet3)'] },
  {
    name: 'packet out',
    msg: { version: 4, xid: 12, type: 'packetOut', bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [{ type: 'output', port: 0xfffffffb }], data: arp60 },
    print: ['OFPT_PACKET_OUT (OF1.3)', 'in_port=CONTROLLER', 'actions=FLOOD', 'data_len=60'],
  },
  ...(['add', 'modify', 'modifyStrict', 'delete', 'deleteStrict'] as const).map((command, i): Sample => ({
    name: `flow mod ${command}`,
    msg: {
      version: 4, xid: 20 + i, type: 'flowMod', ...flowBase, cookieMask: command.startsWith('delete') || command.startsWith('modify') ? 0xffn : 0n,
      tableId: 1, command, flags: command === 'add' ? { sendFlowRem: true, checkOverlap: true, resetCounts: true } : { sendFlowRem: true }, match: match13,
      instructions: command.startsWith('delete') ? [] : [{ type: 'applyActions', actions: [{ type: 'setField', field: 'ethDst', value: '00:11:22:33:44:55' }, { type: 'output', port: 2 }] }, { type: 'gotoTable', tableId: 2 }],
    },
    print: [['ADD', 'MOD', 'MOD_STRICT', 'DEL', 'DEL_STRICT'][i]!, 'in_port=1', 'dl_src=aa:bb:cc:dd:ee:ff', 'nw_src=10.0.0.0/24'],
  })),
  {
    name: 'flow mod with every instruction',
    msg: {
      version: 4, xid: 30, type: 'flowMod', ...flowBase, cookieMask: 0n, tableId: 0, command: 'add', match: { metadata: { value: 0x10n, mask: 0xf0n }, ethType: 0x0800, ipProto: 6 },
      instructions: [
        { type: 'meter', meterId: 4 },
        { type: 'applyActions', actions: every13Action },
        { type: 'clearActions' },
        { type: 'writeActions', actions: [{ type: 'output', port: 3 }] },
        { type: 'writeMetadata', metadata: 0x1234n, mask: 0xffffn },
        { type: 'gotoTable', tableId: 5 },
      ],
    },
    print: ['meter:4', 'clear_actions', 'write_actions(output:3)', 'write_metadata:0x1234/0xffff', 'goto_table:5', 'resubmit:5', 'group:7', 'set_queue:3', 'push_vlan:0x8100', 'pop_vlan', 'dec_ttl', 'mod_nw_ttl:9', 'CONTROLLER:65535,IN_PORT,FLOOD,ALL,LOCAL,NORMAL,TABLE'],
  },
  {
    name: 'flow mod IPv6 set-field',
    msg: {
      version: 4, xid: 31, type: 'flowMod', ...flowBase, cookieMask: 0n, tableId: 0, command: 'add',
      match: { ethType: 0x86dd, ipProto: 58, icmpv6Type: 136, ipv6NdTarget: '2001:db8::5', ipv6NdTll: '02:00:00:00:00:05', ipv6Src: { value: 'fe80::', mask: 'ffc0::' } },
      instructions: [{ type: 'applyActions', actions: [{ type: 'setField', field: 'ipv6Src', value: '2001:db8::1' }, { type: 'setField', field: 'ipv6Flabel', value: 7 }] }],
    },
    print: ['icmp6', 'nd_target=2001:db8::5', 'nd_tll=02:00:00:00:00:05', 'ipv6_src=fe80::/10', 'set_field:2001:db8::1->ipv6_src'],
  },
  {
    // Open vSwitch does not implement OXM ipv6_exthdr, so no print check.
    name: 'flow mod ipv6 exthdr, pbb, sctp, in_phy_port',
    msg: {
      version: 4, xid: 32, type: 'flowMod', ...flowBase, cookieMask: 0n, tableId: 0, command: 'add',
      match: { inPort: 1, inPhyPort: 1, ethType: 0x86dd, ipv6Exthdr: { value: 0x40, mask: 0x1c0 }, ipProto: 132, sctpSrc: 5, sctpDst: 6, ipEcn: 2, ipDscp: 46 },
      instructions: [],
    },
  },
  {
    name: 'flow mod pbb',
    msg: { version: 4, xid: 33, type: 'flowMod', ...flowBase, cookieMask: 0n, tableId: 0, command: 'add', match: { ethType: 0x88e7, pbbIsid: { value: 0x123400, mask: 0xffff00 } }, instructions: [] },
  },
  { name: 'group mod', msg: { version: 4, xid: 31, type: 'groupMod', command: 'add', groupType: 'select', groupId: 9, buckets: [{ weight: 5, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 1 }] }, { weight: 6, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [] }] }, print: ['OFPT_GROUP_MOD (OF1.3)', 'ADD group_id=9,type=select', 'bucket=weight:5,actions=output:1,bucket=weight:6,actions=drop'] },
  { name: 'group mod delete', msg: { version: 4, xid: 32, type: 'groupMod', command: 'delete', groupType: 'all', groupId: 0xfffffffc, buckets: [] }, print: ['DEL group_id=4294967292,type=all'] },
  { name: 'meter mod', msg: { version: 4, xid: 33, type: 'meterMod', command: 'add', flags: 1 | 4 | 8, meterId: 3, bands: [{ type: 'drop', rate: 1000, burstSize: 10 }, { type: 'dscpRemark', rate: 2000, burstSize: 0, precLevel: 1 }] }, print: ['OFPT_METER_MOD (OF1.3)', 'ADD meter=3 kbps burst stats', 'type=drop rate=1000 burst_size=10', 'type=dscp_remark rate=2000 burst_size=0 prec_level=1'] },
  { name: 'meter mod modify', msg: { version: 4, xid: 34, type: 'meterMod', command: 'modify', flags: 2, meterId: 4, bands: [{ type: 'experimenter', rate: 5, burstSize: 6, experimenter: 0x2320 }] } },
  { name: 'barrier request', msg: { version: 4, xid: 35, type: 'barrierRequest' }, print: ['OFPT_BARRIER_REQUEST (OF1.3)'] },
  { name: 'barrier reply', msg: { version: 4, xid: 36, type: 'barrierReply' }, print: ['OFPT_BARRIER_REPLY (OF1.3)'] },
  { name: 'role request', msg: { version: 4, xid: 37, type: 'roleRequest', role: 'master', generationId: 5n }, print: ['OFPT_ROLE_REQUEST (OF1.3)', 'role=primary generation_id=5'] },
  { name: 'role reply', msg: { version: 4, xid: 38, type: 'roleReply', role: 'equal', generationId: 0n }, print: ['OFPT_ROLE_REPLY (OF1.3)', 'role=equal'] },
  { name: 'role status', msg: { version: 4, xid: 0, type: 'roleStatus', role: 'slave', reason: 'masterRequest', generationId: 7n }, print: ['ONFT_ROLE_STATUS (OF1.3)', 'role=secondary generation_id=7 reason=primary_request'] },
  { name: 'role status config', msg: { version: 4, xid: 0, type: 'roleStatus', role: 'master', reason: 'config', generationId: 0xfffffffffffffffen }, print: ['role=primary generation_id=18446744073709551614 reason=configuration_changed'] },
  // A master request with an older generation id than the switch has seen (OFPET_ROLE_REQUEST_FAILED / OFPRRFC_STALE).
  { name: 'error role stale', msg: { version: 4, xid: 5, type: 'error', errType: 11, code: 0, data: new Uint8Array([4, 24, 0, 24, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]) }, print: ['OFPT_ERROR (OF1.3)', 'OFPRRFC_STALE', 'OFPT_ROLE_REQUEST (OF1.3)', 'role=primary generation_id=3'] },
  // A flow-mod from a controller that is slave (OFPET_BAD_REQUEST / OFPBRC_IS_SLAVE, which Open vSwitch calls IS_SECONDARY); any message may be the refused one.
  { name: 'error is slave', msg: { version: 4, xid: 6, type: 'error', errType: 1, code: 10, data: new Uint8Array([4, 20, 0, 8, 0, 0, 0, 6]) }, print: ['OFPT_ERROR (OF1.3)', 'OFPBRC_IS_SECONDARY', 'OFPT_BARRIER_REQUEST'] },
  { name: 'mp desc request', msg: { version: 4, xid: 40, type: 'multipartRequest', more: false, body: { kind: 'desc' } }, print: ['OFPST_DESC request (OF1.3)'] },
  { name: 'mp desc reply', msg: { version: 4, xid: 40, type: 'multipartReply', more: false, body: { kind: 'desc', desc: { mfrDesc: 'Spotlight', hwDesc: 'hw', swDesc: '0.1', serialNum: 'None', dpDesc: 's1' } } }, print: ['OFPST_DESC reply (OF1.3)', 'Manufacturer: Spotlight', 'DP Description: s1'] },
  { name: 'mp flow request', msg: { version: 4, xid: 41, type: 'multipartRequest', more: false, body: { kind: 'flow', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0x10n, cookieMask: 0xffn, match: { ethType: 0x86dd, ipv6Dst: { value: 'fe80::', mask: 'ffff::' } } } }, print: ['OFPST_FLOW request (OF1.3)', 'ipv6_dst=fe80::/16'] },
  {
    name: 'mp flow reply',
    msg: {
      version: 4, xid: 41, type: 'multipartReply', more: true,
      body: { kind: 'flow', flows: [
        { tableId: 0, durationSec: 1, durationNsec: 2, priority: 3, idleTimeout: 4, hardTimeout: 5, flags: { sendFlowRem: true }, cookie: 6n, packetCount: 7n, byteCount: 8n, match: match13, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 1 }] }] },
        { tableId: 1, durationSec: 0, durationNsec: 0, priority: 0, idleTimeout: 0, hardTimeout: 0, flags: {}, cookie: 0n, packetCount: 0n, byteCount: 0n, match: {}, instructions: [] },
      ] },
    },
    print: ['OFPST_FLOW reply (OF1.3)', 'flags=[more]', 'n_packets=7', 'priority=3,ip,in_port=1'],
  },
  { name: 'mp aggregate request', msg: { version: 4, xid: 42, type: 'multipartRequest', more: false, body: { kind: 'aggregate', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} } }, print: ['OFPST_AGGREGATE request (OF1.3)'] },
  { name: 'mp aggregate reply', msg: { version: 4, xid: 42, type: 'multipartReply', more: false, body: { kind: 'aggregate', packetCount: 5n, byteCount: 500n, flowCount: 3 } }, print: ['packet_count=5 byte_count=500 flow_count=3'] },
  { name: 'mp port request', msg: { version: 4, xid: 43, type: 'multipartRequest', more: false, body: { kind: 'port', portNo: 0xffffffff } }, print: ['OFPST_PORT request (OF1.3)', 'port_no=ANY'] },
  { name: 'mp port reply', msg: { version: 4, xid: 43, type: 'multipartReply', more: false, body: { kind: 'port', ports: [{ portNo: 1, rxPackets: 1n, txPackets: 2n, rxBytes: 3n, txBytes: 4n, rxDropped: 5n, txDropped: 6n, rxErrors: 7n, txErrors: 8n, rxFrameErr: 9n, rxOverErr: 10n, rxCrcErr: 11n, collisions: 12n, durationSec: 13, durationNsec: 14 }] } }, print: ['OFPST_PORT reply (OF1.3)', 'rx pkts=1, bytes=3, drop=5, errs=7, frame=9, over=10, crc=11'] },
  { name: 'mp table request', msg: { version: 4, xid: 44, type: 'multipartRequest', more: false, body: { kind: 'table' } }, print: ['OFPST_TABLE request (OF1.3)'] },
  { name: 'mp table reply', msg: { version: 4, xid: 44, type: 'multipartReply', more: false, body: { kind: 'table', tables: [{ tableId: 0, name: '', activeCount: 4, lookupCount: 10n, matchedCount: 9n, maxEntries: 0 }] } }, print: ['OFPST_TABLE reply (OF1.3)', 'active=4, lookup=10, matched=9'] },
  { name: 'mp port desc request', msg: { version: 4, xid: 45, type: 'multipartRequest', more: false, body: { kind: 'portDesc' } }, print: ['OFPST_PORT_DESC request (OF1.3)'] },
  { name: 'mp port desc reply', msg: { version: 4, xid: 45, type: 'multipartReply', more: false, body: { kind: 'portDesc', ports: [port13(1, 's1-eth1'), port13(0xfffffffe, 's1')] } }, print: ['OFPST_PORT_DESC reply (OF1.3)', '1(s1-eth1): addr:02:00:00:00:00:01', 'LOCAL(s1)'] },
  { name: 'mp group desc request', msg: { version: 4, xid: 46, type: 'multipartRequest', more: false, body: { kind: 'groupDesc' } }, print: ['OFPST_GROUP_DESC request (OF1.3)'] },
  { name: 'mp group desc reply', msg: { version: 4, xid: 46, type: 'multipartReply', more: false, body: { kind: 'groupDesc', groups: [{ groupType: 'ff', groupId: 1, buckets: [{ weight: 0, watchPort: 1, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 1 }] }] }, { groupType: 'indirect', groupId: 2, buckets: [{ weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [] }] }] } }, print: ['group_id=1,type=ff', 'watch_port:1', 'group_id=2,type=indirect'] },
  { name: 'mp meter config request', msg: { version: 4, xid: 47, type: 'multipartRequest', more: false, body: { kind: 'meterConfig', meterId: 0xffffffff } }, print: ['OFPST_METER_CONFIG request (OF1.3)', 'meter=all'] },
  { name: 'mp meter config reply', msg: { version: 4, xid: 47, type: 'multipartReply', more: false, body: { kind: 'meterConfig', meters: [{ flags: 1, meterId: 1, bands: [{ type: 'drop', rate: 100, burstSize: 0 }] }] } }, print: ['OFPST_METER_CONFIG reply (OF1.3)', 'meter=1 kbps', 'type=drop rate=100'] },
  { name: 'mp group features request', msg: { version: 4, xid: 48, type: 'multipartRequest', more: false, body: { kind: 'groupFeatures' } }, print: ['OFPST_GROUP_FEATURES request (OF1.3)'] },
  {
    name: 'mp group features reply',
    msg: { version: 4, xid: 48, type: 'multipartReply', more: false, body: { kind: 'groupFeatures', types: 0xf, capabilities: 7, maxGroups: [0xffffff00, 0xffffff00, 0xffffff00, 5], actions: [0x1, 0x1, 0x10001, 0] } },
    print: ['OFPST_GROUP_FEATURES reply (OF1.3)', 'Types:  0xf', 'Capabilities:  0x7', 'max_groups=0xffffff00', 'actions: output dec_mpls_ttl', 'max_groups=0x5'],
  },
  { name: 'mp table features request', msg: { version: 4, xid: 51, type: 'multipartRequest', more: false, body: { kind: 'tableFeatures' } }, print: ['OFPST_TABLE_FEATURES request (OF1.3)'] },
  {
    name: 'mp table features reply',
    msg: {
      version: 4, xid: 51, type: 'multipartReply', more: true, body: { kind: 'tableFeatures', tables: [
        { tableId: 0, name: 'classifier', metadataMatch: 0xffffffffffffffffn, metadataWrite: 0xffffffffffffffffn, config: 0, maxEntries: 1000000, properties: tableProps },
        { tableId: 1, name: 't1', metadataMatch: 0n, metadataWrite: 0n, config: 3, maxEntries: 2000, properties: tableProps },
      ] },
    },
    print: ['OFPST_TABLE_FEATURES reply (OF1.3)', 'flags=[more]', 'table 0 ("classifier"):', 'metadata: match=0xffffffffffffffff write=0xffffffffffffffff', 'max_entries=1000000', 'table 1 ("t1"):', 'max_entries=2000'],
  },
  { name: 'mp meter features request', msg: { version: 4, xid: 49, type: 'multipartRequest', more: false, body: { kind: 'meterFeatures' } }, print: ['OFPST_METER_FEATURES request (OF1.3)'] },
  {
    name: 'mp meter features reply',
    msg: { version: 4, xid: 49, type: 'multipartReply', more: false, body: { kind: 'meterFeatures', maxMeter: 200000, bandTypes: 2, capabilities: 0xf, maxBands: 1, maxColor: 0 } },
    print: ['OFPST_METER_FEATURES reply (OF1.3)', 'max_meter:200000 max_bands:1 max_color:0', 'band_types: drop', 'capabilities: kbps pktps burst stats'],
  },
  ...(['openRequest', 'openReply', 'closeRequest', 'closeReply', 'commitRequest', 'commitReply', 'discardRequest', 'discardReply'] as const).map((ctrlType, i): Sample => ({
    name: `bundle ${ctrlType}`,
    msg: { version: 4, xid: 50 + i, type: 'bundleControl', bundleId: 77, ctrlType, flags: i & 3 },
    print: ['ONFT_BUNDLE_CONTROL (OF1.3)', 'bundle_id=0x4d', `type=${['OPEN_REQUEST', 'OPEN_REPLY', 'CLOSE_REQUEST', 'CLOSE_REPLY', 'COMMIT_REQUEST', 'COMMIT_REPLY', 'DISCARD_REQUEST', 'DISCARD_REPLY'][i]}`],
  })),
  {
    name: 'bundle add',
    msg: { version: 4, xid: 60, type: 'bundleAdd', bundleId: 77, flags: 1, message: { version: 4, xid: 60, type: 'flowMod', ...flowBase, cookieMask: 0n, tableId: 0, command: 'add', match: { inPort: 1 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 2 }] }] } },
    print: ['ONFT_BUNDLE_ADD_MESSAGE (OF1.3)', 'bundle_id=0x4d flags=atomic', 'OFPT_FLOW_MOD (OF1.3)', 'in_port=1', 'actions=output:2'],
  },
];

export const samples10: Sample[] = [
  { name: 'hello', msg: { version: 1, xid: 1, type: 'hello' }, print: ['OFPT_HELLO (xid=0x1)'] },
  { name: 'error', msg: { version: 1, xid: 2, type: 'error', errType: 3, code: 0, data: new Uint8Array([1, 2, 0, 8, 0, 0, 0, 2]) }, print: ['OFPT_ERROR', 'OFPFMFC_TABLE_FULL', 'OFPT_ECHO_REQUEST'] },
  // OF1.0 has no IS_SLAVE code: Open vSwitch refuses a slave's flow-mod with (1, 5), which ofp-print names OFPBRC_EPERM.
  { name: 'error is slave', msg: { version: 1, xid: 3, type: 'error', errType: 1, code: 5, data: new Uint8Array([1, 18, 0, 8, 0, 0, 0, 3]) }, print: ['OFPT_ERROR', 'OFPBRC_EPERM', 'OFPT_BARRIER_REQUEST'] },
  { name: 'echo request', msg: { version: 1, xid: 3, type: 'echoRequest', data: new Uint8Array([9]) }, print: ['OFPT_ECHO_REQUEST', '1 bytes of payload'] },
  { name: 'echo reply', msg: { version: 1, xid: 4, type: 'echoReply', data: new Uint8Array(0) }, print: ['OFPT_ECHO_REPLY'] },
  { name: 'vendor', msg: { version: 1, xid: 5, type: 'experimenter', experimenter: 0xabcd, expType: 1, data: new Uint8Array([1, 2]) } },
  { name: 'features request', msg: { version: 1, xid: 6, type: 'featuresRequest' }, print: ['OFPT_FEATURES_REQUEST'] },
  {
    name: 'features reply with ports',
    msg: { version: 1, xid: 7, type: 'featuresReply', datapathId: 0xfedcba9876543210n, nBuffers: 256, nTables: 1, auxiliaryId: 0, capabilities: 0xc7, actions: 0xfff, ports: [port10(1, 's1-eth1'), port10(2, 's1-eth2'), port10(0xfffffffe, 's1')] },
    print: ['OFPT_FEATURES_REPLY', 'dpid:fedcba9876543210', 'n_tables:1, n_buffers:256', '1(s1-eth1): addr:02:00:00:00:00:01', '2(s1-eth2)', 'LOCAL(s1)'],
  },
  { name: 'get config request', msg: { version: 1, xid: 8, type: 'getConfigRequest' }, print: ['OFPT_GET_CONFIG_REQUEST'] },
  { name: 'get config reply', msg: { version: 1, xid: 9, type: 'getConfigReply', flags: 0, missSendLen: 128 }, print: ['OFPT_GET_CONFIG_REPLY', 'miss_send_len=128'] },
  { name: 'set config', msg: { version: 1, xid: 10, type: 'setConfig', flags: 0, missSendLen: 0xffff }, print: ['OFPT_SET_CONFIG', 'miss_send_len=65535'] },
  { name: 'packet in', msg: { version: 1, xid: 0, type: 'packetIn', bufferId: 0xffffffff, totalLen: 60, reason: 0, tableId: 0, cookie: 0n, match: { inPort: 3 }, inPort: 3, data: arp60 }, print: ['OFPT_PACKET_IN', 'total_len=60 in_port=3', 'arp'] },
  {
    name: 'flow removed',
    msg: { version: 1, xid: 0, type: 'flowRemoved', cookie: 5n, priority: 100, reason: 1, tableId: 0, durationSec: 1, durationNsec: 2, idleTimeout: 3, hardTimeout: 0, packetCount: 4n, byteCount: 400n, match: { ethType: 0x0800, ipProto: 6, tcpDst: 22 } },
    print: ['OFPT_FLOW_REMOVED', 'tcp,tp_dst=22', 'reason=hard', 'pkts4 bytes400'],
  },
  { name: 'port status', msg: { version: 1, xid: 0, type: 'portStatus', reason: 0, desc: port10(4, 'vnet4') }, print: ['OFPT_PORT_STATUS', 'ADD: 4(vnet4)'] },
  { name: 'packet out', msg: { version: 1, xid: 11, type: 'packetOut', bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [{ type: 'output', port: 2 }], data: arp60 }, print: ['OFPT_PACKET_OUT', 'in_port=CONTROLLER actions=output:2 data_len=60'] },
  { name: 'packet out without actions', msg: { version: 1, xid: 11, type: 'packetOut', bufferId: 7, inPort: 1, actions: [], data: new Uint8Array(0) }, print: ['OFPT_PACKET_OUT', 'buffer=0x00000007'] },
  ...(['add', 'modify', 'modifyStrict', 'delete', 'deleteStrict'] as const).map((command, i): Sample => ({
    name: `flow mod ${command}`,
    msg: {
      version: 1, xid: 20 + i, type: 'flowMod', ...flowBase, cookieMask: 0n, tableId: 0, command, flags: command === 'add' ? { sendFlowRem: true, checkOverlap: true } : { sendFlowRem: true },
      match: { inPort: 1, ethSrc: 'aa:bb:cc:dd:ee:ff', ethDst: '00:00:00:00:00:01', vlanVid: 5, vlanPcp: 2, ethType: 0x0800, ipDscp: 10, ipProto: 17, ipv4Src: { value: '10.0.0.0', mask: '255.255.0.0' }, ipv4Dst: '10.0.0.1', udpSrc: 68, udpDst: 67 },
      instructions: command.startsWith('delete') ? [] : [{ type: 'applyActions', actions: every10Action }],
    },
    print: [['ADD', 'MOD', 'MOD_STRICT', 'DEL', 'DEL_STRICT'][i]!, 'udp,in_port=1,dl_vlan=5,dl_vlan_pcp=2,dl_src=aa:bb:cc:dd:ee:ff,dl_dst=00:00:00:00:00:01,nw_src=10.0.0.0/16,nw_dst=10.0.0.1,nw_tos=40,tp_src=68,tp_dst=67'],
  })),
  {
    name: 'flow mod emergency',
    msg: { version: 1, xid: 29, type: 'flowMod', ...flowBase, idleTimeout: 0, hardTimeout: 0, cookieMask: 0n, tableId: 0, command: 'add', flags: { emerg: true }, match: { inPort: 1 }, instructions: [] },
    // ovs-ofctl refuses emergency flows, so no print check.
  },
  {
    name: 'flow mod ARP',
    msg: { version: 1, xid: 30, type: 'flowMod', ...flowBase, cookieMask: 0n, tableId: 0, command: 'add', match: { inPort: 2, ethType: 0x0806, arpOp: 2, arpSpa: '10.0.0.5', arpTpa: { value: '10.0.0.0', mask: '255.255.255.0' } }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }] }] },
    print: ['arp,in_port=2,arp_spa=10.0.0.5,arp_tpa=10.0.0.0/24,arp_op=2', 'actions=CONTROLLER:65535'],
  },
  { name: 'barrier request', msg: { version: 1, xid: 31, type: 'barrierRequest' }, print: ['OFPT_BARRIER_REQUEST'] },
  { name: 'barrier reply', msg: { version: 1, xid: 32, type: 'barrierReply' }, print: ['OFPT_BARRIER_REPLY'] },
  { name: 'nicira role request', msg: { version: 1, xid: 33, type: 'roleRequest', role: 'master', generationId: 0n }, print: ['NXT_ROLE_REQUEST', 'role=primary'] },
  { name: 'nicira role reply', msg: { version: 1, xid: 34, type: 'roleReply', role: 'slave', generationId: 0n }, print: ['NXT_ROLE_REPLY', 'role=secondary'] },
  { name: 'stats desc request', msg: { version: 1, xid: 40, type: 'multipartRequest', more: false, body: { kind: 'desc' } }, print: ['OFPST_DESC request'] },
  { name: 'stats desc reply', msg: { version: 1, xid: 40, type: 'multipartReply', more: false, body: { kind: 'desc', desc: { mfrDesc: 'Pica8', hwDesc: 'P-3297', swDesc: 'PicOS', serialNum: '123', dpDesc: 'tor1' } } }, print: ['Manufacturer: Pica8', 'Serial Num: 123'] },
  { name: 'stats flow request', msg: { version: 1, xid: 41, type: 'multipartRequest', more: false, body: { kind: 'flow', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} } }, print: ['OFPST_FLOW request'] },
  {
    name: 'stats flow reply',
    msg: { version: 1, xid: 41, type: 'multipartReply', more: false, body: { kind: 'flow', flows: [{ tableId: 0, durationSec: 1, durationNsec: 2, priority: 3, idleTimeout: 4, hardTimeout: 5, flags: {}, cookie: 6n, packetCount: 7n, byteCount: 8n, match: { inPort: 1 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 2 }] }] }] } },
    print: ['OFPST_FLOW reply', 'n_packets=7, n_bytes=8', 'priority=3,in_port=1 actions=output:2'],
  },
  { name: 'stats aggregate request', msg: { version: 1, xid: 42, type: 'multipartRequest', more: false, body: { kind: 'aggregate', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: { ethType: 0x0800 } } }, print: ['OFPST_AGGREGATE request', 'ip'] },
  { name: 'stats aggregate reply', msg: { version: 1, xid: 42, type: 'multipartReply', more: false, body: { kind: 'aggregate', packetCount: 1n, byteCount: 2n, flowCount: 3 } }, print: ['packet_count=1 byte_count=2 flow_count=3'] },
  { name: 'stats port request', msg: { version: 1, xid: 43, type: 'multipartRequest', more: false, body: { kind: 'port', portNo: 1 } }, print: ['OFPST_PORT request', 'port_no=1'] },
  { name: 'stats port reply', msg: { version: 1, xid: 43, type: 'multipartReply', more: true, body: { kind: 'port', ports: [{ portNo: 1, rxPackets: 1n, txPackets: 2n, rxBytes: 3n, txBytes: 4n, rxDropped: 5n, txDropped: 6n, rxErrors: 7n, txErrors: 8n, rxFrameErr: 9n, rxOverErr: 10n, rxCrcErr: 11n, collisions: 12n, durationSec: 0, durationNsec: 0 }] } }, print: ['OFPST_PORT reply', 'tx pkts=2, bytes=4, drop=6, errs=8, coll=12'] },
  { name: 'stats table request', msg: { version: 1, xid: 44, type: 'multipartRequest', more: false, body: { kind: 'table' } }, print: ['OFPST_TABLE request'] },
  { name: 'stats table reply', msg: { version: 1, xid: 44, type: 'multipartReply', more: false, body: { kind: 'table', tables: [{ tableId: 0, name: 'classifier', activeCount: 2, lookupCount: 30n, matchedCount: 20n, maxEntries: 1000000 }] } }, print: ['OFPST_TABLE reply', 'active=2, lookup=30, matched=20'] },
];
