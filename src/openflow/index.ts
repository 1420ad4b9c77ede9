// Spotlight's OpenFlow 1.0 / 1.3 codec. Pure: bytes in, typed messages out,
// and back. No sockets and no I/O; the channel (src/channel) frames the TCP
// stream with FrameReader and decodes each frame with decodeMessage.
//
// Written by hand because no OpenFlow codec exists on the npm registry.
export * from './wire-values.js';
export * from './flow-model.js';
export * from './stats-model.js';
export * from './message-model.js';
export type { CodecError, CodecErrorCode, DecodeResult, EncodeResult } from './errors.js';
export { CodecException } from './errors.js';
export { decodeMessage } from './decode.js';
export { encodeMessage, tryEncodeMessage, MessageBatch } from './encode.js';
export { FrameReader, peekHeader, OFP_HEADER_LEN } from './framing.js';
export type { FramePush, PeekedHeader } from './framing.js';
export { dpidFromText, formatDpid, type Dpid } from './dpid.js';
export { OFPT10, OFPAT10, OFPST10, OFPFW10, NX_VENDOR_ID } from './of10/constants.js';
export { OFPT13, OFPAT13, OFPIT13, OFPMP13, OFPXMC_OPENFLOW_BASIC, ONF_EXPERIMENTER_ID, ONFT_BUNDLE_CONTROL, ONFT_BUNDLE_ADD_MESSAGE } from './of13/constants.js';
