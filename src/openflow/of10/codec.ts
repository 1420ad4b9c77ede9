// OF1.0 message dispatch: header type -> body decoder, message type -> encoder.
import { fail } from '../errors.js';
import type { Reader } from '../reader.js';
import { OFP10_VERSION } from '../wire-values.js';
import type { OfpMessage } from '../message-model.js';
import type { Writer } from '../writer.js';
import { decodeHeaderOnly, decodeSwitchConfig, encodeSwitchConfig } from '../same-bodies.js';
import { OFPT10 as T, OFPT10_MAX } from './constants.js';
import {
  decodeError10, decodeFeaturesReply10, decodeFlowMod10, decodeFlowRemoved10, decodePacketIn10, decodePacketOut10,
  decodePortStatus10, decodeVendor10, encodeError10, encodeFeaturesReply10, encodeFlowMod10, encodeFlowRemoved10,
  encodeNxRole, encodePacketIn10, encodePacketOut10, encodePortStatus10, encodeVendor10,
} from './messages.js';
import { decodeStatsReply10, decodeStatsRequest10, encodeStatsReply10, encodeStatsRequest10 } from './stats.js';

const V = OFP10_VERSION;

export function decodeOf10(r: Reader, type: number, xid: number): OfpMessage {
  switch (type) {
    case T.OFPT_ERROR:
      return decodeError10(r, xid);
    case T.OFPT_ECHO_REQUEST:
      return { version: V, xid, type: 'echoRequest', data: r.rest() };
    case T.OFPT_ECHO_REPLY:
      return { version: V, xid, type: 'echoReply', data: r.rest() };
    case T.OFPT_VENDOR:
      return decodeVendor10(r, xid);
    case T.OFPT_FEATURES_REQUEST:
      return decodeHeaderOnly(r, V, xid, 'featuresRequest');
    case T.OFPT_FEATURES_REPLY:
      return decodeFeaturesReply10(r, xid);
    case T.OFPT_GET_CONFIG_REQUEST:
      return decodeHeaderOnly(r, V, xid, 'getConfigRequest');
    case T.OFPT_GET_CONFIG_REPLY:
      return decodeSwitchConfig(r, V, xid, 'getConfigReply');
    case T.OFPT_SET_CONFIG:
      return decodeSwitchConfig(r, V, xid, 'setConfig');
    case T.OFPT_PACKET_IN:
      return decodePacketIn10(r, xid);
    case T.OFPT_FLOW_REMOVED:
      return decodeFlowRemoved10(r, xid);
    case T.OFPT_PORT_STATUS:
      return decodePortStatus10(r, xid);
    case T.OFPT_PACKET_OUT:
      return decodePacketOut10(r, xid);
    case T.OFPT_FLOW_MOD:
      return decodeFlowMod10(r, xid);
    case T.OFPT_STATS_REQUEST:
      return decodeStatsRequest10(r, xid);
    case T.OFPT_STATS_REPLY:
      return decodeStatsReply10(r, xid);
    case T.OFPT_BARRIER_REQUEST:
      return decodeHeaderOnly(r, V, xid, 'barrierRequest');
    case T.OFPT_BARRIER_REPLY:
      return decodeHeaderOnly(r, V, xid, 'barrierReply');
    default:
      if (type <= OFPT10_MAX) fail('UNSUPPORTED', `OF1.0 message type ${type} is not modelled by Spotlight`, 1);
      fail('BAD_TYPE', `OF1.0 has no message type ${type}`, 1);
  }
}

export function encodeOf10(w: Writer, msg: OfpMessage): void {
  const at = w.pos;
  let start: number;
  switch (msg.type) {
    case 'error':
      start = w.header(V, T.OFPT_ERROR, msg.xid);
      encodeError10(w, msg);
      break;
    case 'echoRequest':
    case 'echoReply':
      start = w.header(V, msg.type === 'echoRequest' ? T.OFPT_ECHO_REQUEST : T.OFPT_ECHO_REPLY, msg.xid);
      w.bytes(msg.data, 'echo data');
      break;
    case 'experimenter':
      start = w.header(V, T.OFPT_VENDOR, msg.xid);
      encodeVendor10(w, msg);
      break;
    case 'roleRequest':
    case 'roleReply':
      start = w.header(V, T.OFPT_VENDOR, msg.xid);
      encodeNxRole(w, msg);
      break;
    case 'featuresRequest':
      start = w.header(V, T.OFPT_FEATURES_REQUEST, msg.xid);
      break;
    case 'featuresReply':
      start = w.header(V, T.OFPT_FEATURES_REPLY, msg.xid);
      encodeFeaturesReply10(w, msg);
      break;
    case 'getConfigRequest':
      start = w.header(V, T.OFPT_GET_CONFIG_REQUEST, msg.xid);
      break;
    case 'getConfigReply':
    case 'setConfig':
      start = w.header(V, msg.type === 'setConfig' ? T.OFPT_SET_CONFIG : T.OFPT_GET_CONFIG_REPLY, msg.xid);
      encodeSwitchConfig(w, msg);
      break;
    case 'packetIn':
      start = w.header(V, T.OFPT_PACKET_IN, msg.xid);
      encodePacketIn10(w, msg);
      break;
    case 'flowRemoved':
      start = w.header(V, T.OFPT_FLOW_REMOVED, msg.xid);
      encodeFlowRemoved10(w, msg);
      break;
    case 'portStatus':
      start = w.header(V, T.OFPT_PORT_STATUS, msg.xid);
      encodePortStatus10(w, msg);
      break;
    case 'packetOut':
      start = w.header(V, T.OFPT_PACKET_OUT, msg.xid);
      encodePacketOut10(w, msg);
      break;
    case 'flowMod':
      start = w.header(V, T.OFPT_FLOW_MOD, msg.xid);
      encodeFlowMod10(w, msg);
      break;
    case 'multipartRequest':
      start = w.header(V, T.OFPT_STATS_REQUEST, msg.xid);
      encodeStatsRequest10(w, msg);
      break;
    case 'multipartReply':
      start = w.header(V, T.OFPT_STATS_REPLY, msg.xid);
      encodeStatsReply10(w, msg);
      break;
    case 'barrierRequest':
      start = w.header(V, T.OFPT_BARRIER_REQUEST, msg.xid);
      break;
    case 'barrierReply':
      start = w.header(V, T.OFPT_BARRIER_REPLY, msg.xid);
      break;
    case 'groupMod':
    case 'meterMod':
    case 'bundleControl':
    case 'bundleAdd':
    case 'roleStatus':
      fail('UNSUPPORTED', `OF1.0 has no ${msg.type}`, at);
    // falls through: fail() never returns
    default:
      fail('BAD_VALUE', `unknown message type "${String((msg as { type?: unknown }).type)}"`, at);
  }
  w.endMessage(start);
}
