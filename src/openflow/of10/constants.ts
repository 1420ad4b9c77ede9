// OpenFlow 1.0 (wire version 0x01) numbers, named as in openflow.h of the spec.
export const OFPT10 = {
  OFPT_HELLO: 0,
  OFPT_ERROR: 1,
  OFPT_ECHO_REQUEST: 2,
  OFPT_ECHO_REPLY: 3,
  OFPT_VENDOR: 4,
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
  OFPT_PORT_MOD: 15,
  OFPT_STATS_REQUEST: 16,
  OFPT_STATS_REPLY: 17,
  OFPT_BARRIER_REQUEST: 18,
  OFPT_BARRIER_REPLY: 19,
  OFPT_QUEUE_GET_CONFIG_REQUEST: 20,
  OFPT_QUEUE_GET_CONFIG_REPLY: 21,
} as const;
export const OFPT10_MAX = 21;

export const OFPAT10 = {
  OFPAT_OUTPUT: 0,
  OFPAT_SET_VLAN_VID: 1,
  OFPAT_SET_VLAN_PCP: 2,
  OFPAT_STRIP_VLAN: 3,
  OFPAT_SET_DL_SRC: 4,
  OFPAT_SET_DL_DST: 5,
  OFPAT_SET_NW_SRC: 6,
  OFPAT_SET_NW_DST: 7,
  OFPAT_SET_NW_TOS: 8,
  OFPAT_SET_TP_SRC: 9,
  OFPAT_SET_TP_DST: 10,
  OFPAT_ENQUEUE: 11,
  OFPAT_VENDOR: 0xffff,
} as const;

export const OFPFW10 = {
  OFPFW_IN_PORT: 1 << 0,
  OFPFW_DL_VLAN: 1 << 1,
  OFPFW_DL_SRC: 1 << 2,
  OFPFW_DL_DST: 1 << 3,
  OFPFW_DL_TYPE: 1 << 4,
  OFPFW_NW_PROTO: 1 << 5,
  OFPFW_TP_SRC: 1 << 6,
  OFPFW_TP_DST: 1 << 7,
  OFPFW_NW_SRC_SHIFT: 8,
  OFPFW_NW_SRC_MASK: 0x3f << 8,
  OFPFW_NW_DST_SHIFT: 14,
  OFPFW_NW_DST_MASK: 0x3f << 14,
  OFPFW_DL_VLAN_PCP: 1 << 20,
  OFPFW_NW_TOS: 1 << 21,
  OFPFW_ALL: (1 << 22) - 1,
} as const;

export const OFPST10 = {
  OFPST_DESC: 0,
  OFPST_FLOW: 1,
  OFPST_AGGREGATE: 2,
  OFPST_TABLE: 3,
  OFPST_PORT: 4,
  OFPST_QUEUE: 5,
  OFPST_VENDOR: 0xffff,
} as const;

export const OFPFF10 = { OFPFF_SEND_FLOW_REM: 1, OFPFF_CHECK_OVERLAP: 2, OFPFF_EMERG: 4 } as const;
export const OFPSF_REPLY_MORE = 1;

/** OF1.0 dl_vlan value meaning "no 802.1Q header". */
export const OFP10_VLAN_NONE = 0xffff;

// Sizes of the structures the decoder steps through in lists or checks whole
// (OF1.0 openflow.h OFP_ASSERTs; test/unit/openflow/sizes.test.ts holds each
// against the specification).
export const OFP10_PHY_PORT_LEN = 48;
export const OFP10_FLOW_STATS_LEN = 88;
export const OFP10_PORT_STATS_LEN = 104;
export const OFP10_TABLE_STATS_LEN = 64;

/** Open vSwitch's Nicira extension carries the controller role on OF1.0. */
export const NX_VENDOR_ID = 0x00002320;
export const NXT_ROLE_REQUEST = 10;
export const NXT_ROLE_REPLY = 11;
export const NX_ROLE = { NX_ROLE_OTHER: 0, NX_ROLE_MASTER: 1, NX_ROLE_SLAVE: 2 } as const;
