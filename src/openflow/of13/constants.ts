// OpenFlow 1.3 (wire version 0x04) numbers, named as in openflow.h of the spec.
export const OFPT13 = {
  OFPT_HELLO: 0,
  OFPT_ERROR: 1,
  OFPT_ECHO_REQUEST: 2,
  OFPT_ECHO_REPLY: 3,
  OFPT_EXPERIMENTER: 4,
  OFPT_FEATURES_REQUEST: 5,
  OFPT_FEATURES_REPLY: 6,
  OFPT_GET_CONFIG_REQUEST: 7,
  OFPT_GET_CONFIG_REPLY: 8,
  OFPT_SET_CONFIG: 9,
  OFPT_PACKET_IN: 10,
  OFPT_FLOW_REMOVED: 11,
  OFPT_PORT_STATUS: 12,
  OFPT_PACKET_OUT: 13,
  OFPT_FLOW_MOD: 14,
  OFPT_GROUP_MOD: 15,
  OFPT_PORT_MOD: 16,
  OFPT_TABLE_MOD: 17,
  OFPT_MULTIPART_REQUEST: 18,
  OFPT_MULTIPART_REPLY: 19,
  OFPT_BARRIER_REQUEST: 20,
  OFPT_BARRIER_REPLY: 21,
  OFPT_QUEUE_GET_CONFIG_REQUEST: 22,
  OFPT_QUEUE_GET_CONFIG_REPLY: 23,
  OFPT_ROLE_REQUEST: 24,
  OFPT_ROLE_REPLY: 25,
  OFPT_GET_ASYNC_REQUEST: 26,
  OFPT_GET_ASYNC_REPLY: 27,
  OFPT_SET_ASYNC: 28,
  OFPT_METER_MOD: 29,
} as const;
export const OFPT13_MAX = 29;

export const OFPAT13 = {
  OFPAT_OUTPUT: 0,
  OFPAT_COPY_TTL_OUT: 11,
  OFPAT_COPY_TTL_IN: 12,
  OFPAT_SET_MPLS_TTL: 15,
  OFPAT_DEC_MPLS_TTL: 16,
  OFPAT_PUSH_VLAN: 17,
  OFPAT_POP_VLAN: 18,
  OFPAT_PUSH_MPLS: 19,
  OFPAT_POP_MPLS: 20,
  OFPAT_SET_QUEUE: 21,
  OFPAT_GROUP: 22,
  OFPAT_SET_NW_TTL: 23,
  OFPAT_DEC_NW_TTL: 24,
  OFPAT_SET_FIELD: 25,
  OFPAT_PUSH_PBB: 26,
  OFPAT_POP_PBB: 27,
  OFPAT_EXPERIMENTER: 0xffff,
} as const;

export const OFPIT13 = {
  OFPIT_GOTO_TABLE: 1,
  OFPIT_WRITE_METADATA: 2,
  OFPIT_WRITE_ACTIONS: 3,
  OFPIT_APPLY_ACTIONS: 4,
  OFPIT_CLEAR_ACTIONS: 5,
  OFPIT_METER: 6,
  OFPIT_EXPERIMENTER: 0xffff,
} as const;

export const OFPMP13 = {
  OFPMP_DESC: 0,
  OFPMP_FLOW: 1,
  OFPMP_AGGREGATE: 2,
  OFPMP_TABLE: 3,
  OFPMP_PORT_STATS: 4,
  OFPMP_QUEUE: 5,
  OFPMP_GROUP: 6,
  OFPMP_GROUP_DESC: 7,
  OFPMP_GROUP_FEATURES: 8,
  OFPMP_METER: 9,
  OFPMP_METER_CONFIG: 10,
  OFPMP_METER_FEATURES: 11,
  OFPMP_TABLE_FEATURES: 12,
  OFPMP_PORT_DESC: 13,
  OFPMP_EXPERIMENTER: 0xffff,
} as const;

export const OFPFF13 = {
  OFPFF_SEND_FLOW_REM: 1,
  OFPFF_CHECK_OVERLAP: 2,
  OFPFF_RESET_COUNTS: 4,
  OFPFF_NO_PKT_COUNTS: 8,
  OFPFF_NO_BYT_COUNTS: 16,
} as const;

export const OFPMPF_MORE = 1;
export const OFPMT_OXM = 1;
export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPHET_VERSIONBITMAP = 1;
export const OFPET_EXPERIMENTER = 0xffff;
export const OFPMBT = { OFPMBT_DROP: 1, OFPMBT_DSCP_REMARK: 2, OFPMBT_EXPERIMENTER: 0xffff } as const;
export const OFPGT = { all: 0, select: 1, indirect: 2, ff: 3 } as const;

/** ONF extension EXT-230 (bundles) as Open vSwitch offers it on OF1.3. */
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;
export const ONFT_BUNDLE_CONTROL = 2300;
export const ONFT_BUNDLE_ADD_MESSAGE = 2301;
/** ONF extension: OF1.4's ROLE_STATUS on OF1.3 (struct ofp14_role_status: role u32, reason u8, pad 3, generation_id u64). */
export const ONFT_ROLE_STATUS = 1911;
export const OFPCRR_REASONS = ['masterRequest', 'config', 'experimenter'] as const;
export const ONF_BUNDLE_CTRL_TYPES = [
  'openRequest',
  'openReply',
  'closeRequest',
  'closeReply',
  'commitRequest',
  'commitReply',
  'discardRequest',
  'discardReply',
] as const;

// Sizes of the structures the decoder steps through in lists or checks whole
// (OF1.3 openflow.h OFP_ASSERTs; test/unit/openflow/sizes.test.ts holds each
// against the specification).
export const OFP13_PORT_LEN = 64;
export const OFP13_FLOW_STATS_LEN = 56;
export const OFP13_PORT_STATS_LEN = 112;
export const OFP13_TABLE_STATS_LEN = 24;
export const OFP13_BUCKET_LEN = 16;
export const OFP13_GROUP_DESC_LEN = 8;
export const OFP13_METER_BAND_LEN = 16;
export const OFP13_DESC_LEN = 1056;
export const OFP13_GROUP_FEATURES_LEN = 40;
export const OFP13_METER_FEATURES_LEN = 16;
/** ofp_table_features before its property list, and its name field. */
export const OFP13_TABLE_FEATURES_LEN = 64;
export const OFP_MAX_TABLE_NAME_BYTES = 32;
