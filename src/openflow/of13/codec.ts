// OF1.3 message dispatch: header type -> body decoder, message type -> encoder.
import { fail } from '../errors.js';
import { Reader } from '../reader.js';
import { OFP13_VERSION } from '../wire-values.js';
import type { OfpMessage } from '../message-model.js';
import type { Writer } from '../writer.js';
import { decodeHeaderOnly, decodeSwitchConfig, encodeSwitchConfig } from '../same-bodies.js';
import { decodeBundleAdd, decodeBundleControl, encodeBundleAdd, encodeBundleControl } from './bundle.js';
import { OFPT13, OFPT13_MAX, ONF_EXPERIMENTER_ID, ONFT_BUNDLE_ADD_MESSAGE, ONFT_BUNDLE_CONTROL, ONFT_ROLE_STATUS } from './constants.js';
import { encodeFlowModFast13 } from './flow-mod-fast.js';
import { decodeGroupMod, decodeMeterMod, encodeGroupMod, encodeMeterMod } from './group-meter.js';
import {
  decodeEcho13,
  decodeError13,
  decodeExperimenter13,
  decodeFeaturesReply13,
  decodeFlowMod13,
  decodeFlowRemoved13,
  decodePacketIn13,
  decodePacketOut13,
  decodePortStatus13,
  decodeRole13,
  decodeRoleStatus13,
  encodeError13,
  encodeExperimenter13,
  encodeFeaturesReply13,
  encodeFlowMod13,
  encodeFlowRemoved13,
  encodePacketIn13,
  encodePacketOut13,
  encodePortStatus13,
  encodeRole13,
  encodeRoleStatus13,
} from './messages.js';
import { decodeMultipartReply13, encodeMultipartReply13 } from './multipart-reply.js';
import { decodeMultipartRequest13, encodeMultipartRequest13 } from './multipart.js';

const V = OFP13_VERSION;

export function decodeOf13(r: Reader, type: number, xid: number): OfpMessage {
  switch (type) {
    case OFPT13.OFPT_ERROR:
      return decodeError13(r, xid);
    case OFPT13.OFPT_ECHO_REQUEST:
      return decodeEcho13(r, xid, 'echoRequest');
    case OFPT13.OFPT_ECHO_REPLY:
      return decodeEcho13(r, xid, 'echoReply');
    case OFPT13.OFPT_EXPERIMENTER: {
      if (r.remaining >= 8) {
        const experimenter = r.peekU32(r.pos);
        const expType = r.peekU32(r.pos + 4);
        if (experimenter === ONF_EXPERIMENTER_ID && expType === ONFT_BUNDLE_CONTROL) {
          r.skip(8);
          return decodeBundleControl(r, xid);
        }
        if (experimenter === ONF_EXPERIMENTER_ID && expType === ONFT_BUNDLE_ADD_MESSAGE) {
          r.skip(8);
          return decodeBundleAdd(r, xid, decodeOf13);
        }
        if (experimenter === ONF_EXPERIMENTER_ID && expType === ONFT_ROLE_STATUS) {
          r.skip(8);
          return decodeRoleStatus13(r, xid);
        }
      }
      return decodeExperimenter13(r, xid);
    }
    case OFPT13.OFPT_FEATURES_REQUEST:
      return decodeHeaderOnly(r, V, xid, 'featuresRequest');
    case OFPT13.OFPT_FEATURES_REPLY:
      return decodeFeaturesReply13(r, xid);
    case OFPT13.OFPT_GET_CONFIG_REQUEST:
      return decodeHeaderOnly(r, V, xid, 'getConfigRequest');
    case OFPT13.OFPT_GET_CONFIG_REPLY:
      return decodeSwitchConfig(r, V, xid, 'getConfigReply');
    case OFPT13.OFPT_SET_CONFIG:
      return decodeSwitchConfig(r, V, xid, 'setConfig');
    case OFPT13.OFPT_PACKET_IN:
      return decodePacketIn13(r, xid);
    case OFPT13.OFPT_FLOW_REMOVED:
      return decodeFlowRemoved13(r, xid);
    case OFPT13.OFPT_PORT_STATUS:
      return decodePortStatus13(r, xid);
    case OFPT13.OFPT_PACKET_OUT:
      return decodePacketOut13(r, xid);
    case OFPT13.OFPT_FLOW_MOD:
      return decodeFlowMod13(r, xid);
    case OFPT13.OFPT_GROUP_MOD:
      return decodeGroupMod(r, xid);
    case OFPT13.OFPT_METER_MOD:
      return decodeMeterMod(r, xid);
    case OFPT13.OFPT_MULTIPART_REQUEST:
      return decodeMultipartRequest13(r, xid);
    case OFPT13.OFPT_MULTIPART_REPLY:
      return decodeMultipartReply13(r, xid);
    case OFPT13.OFPT_BARRIER_REQUEST:
      return decodeHeaderOnly(r, V, xid, 'barrierRequest');
    case OFPT13.OFPT_BARRIER_REPLY:
      return decodeHeaderOnly(r, V, xid, 'barrierReply');
    case OFPT13.OFPT_ROLE_REQUEST:
      return decodeRole13(r, xid, 'roleRequest');
    case OFPT13.OFPT_ROLE_REPLY:
      return decodeRole13(r, xid, 'roleReply');
    default:
      if (type <= OFPT13_MAX) fail('UNSUPPORTED', `OF1.3 message type ${type} is not modelled by Spotlight`, 1);
      fail('BAD_TYPE', `OF1.3 has no message type ${type}`, 1);
  }
}

const TYPE_OF: Record<Exclude<OfpMessage['type'], 'hello'>, number> = {
  error: OFPT13.OFPT_ERROR,
  echoRequest: OFPT13.OFPT_ECHO_REQUEST,
  echoReply: OFPT13.OFPT_ECHO_REPLY,
  experimenter: OFPT13.OFPT_EXPERIMENTER,
  bundleControl: OFPT13.OFPT_EXPERIMENTER,
  bundleAdd: OFPT13.OFPT_EXPERIMENTER,
  roleStatus: OFPT13.OFPT_EXPERIMENTER,
  featuresRequest: OFPT13.OFPT_FEATURES_REQUEST,
  featuresReply: OFPT13.OFPT_FEATURES_REPLY,
  getConfigRequest: OFPT13.OFPT_GET_CONFIG_REQUEST,
  getConfigReply: OFPT13.OFPT_GET_CONFIG_REPLY,
  setConfig: OFPT13.OFPT_SET_CONFIG,
  packetIn: OFPT13.OFPT_PACKET_IN,
  flowRemoved: OFPT13.OFPT_FLOW_REMOVED,
  portStatus: OFPT13.OFPT_PORT_STATUS,
  packetOut: OFPT13.OFPT_PACKET_OUT,
  flowMod: OFPT13.OFPT_FLOW_MOD,
  groupMod: OFPT13.OFPT_GROUP_MOD,
  meterMod: OFPT13.OFPT_METER_MOD,
  multipartRequest: OFPT13.OFPT_MULTIPART_REQUEST,
  multipartReply: OFPT13.OFPT_MULTIPART_REPLY,
  barrierRequest: OFPT13.OFPT_BARRIER_REQUEST,
  barrierReply: OFPT13.OFPT_BARRIER_REPLY,
  roleRequest: OFPT13.OFPT_ROLE_REQUEST,
  roleReply: OFPT13.OFPT_ROLE_REPLY,
};

export function encodeOf13(w: Writer, msg: OfpMessage): void {
  // Flow-mods are most of what Spotlight sends: no table lookup for them.
  if (msg.type === 'flowMod') {
    // The common flow-mod in one pass; anything else (or anything wrong)
    // the general way, which reports errors exactly.
    if (encodeFlowModFast13(w, msg)) return;
    const at = w.header(V, OFPT13.OFPT_FLOW_MOD, msg.xid);
    encodeFlowMod13(w, msg);
    w.endMessage(at);
    return;
  }
  if (msg.type === 'hello') fail('BAD_VALUE', 'HELLO is encoded by the version-independent path', w.pos);
  const wire = Object.hasOwn(TYPE_OF, msg.type) ? TYPE_OF[msg.type] : undefined;
  if (wire === undefined) fail('BAD_VALUE', `unknown message type "${String(msg.type)}"`, w.pos);
  const start = w.header(V, wire, msg.xid);
  switch (msg.type) {
    case 'error':
      encodeError13(w, msg);
      break;
    case 'echoRequest':
    case 'echoReply':
      w.bytes(msg.data, 'echo data');
      break;
    case 'experimenter':
      encodeExperimenter13(w, msg);
      break;
    case 'bundleControl':
      encodeBundleControl(w, msg);
      break;
    case 'bundleAdd':
      encodeBundleAdd(w, msg, encodeOf13);
      break;
    case 'featuresReply':
      encodeFeaturesReply13(w, msg);
      break;
    case 'getConfigReply':
    case 'setConfig':
      encodeSwitchConfig(w, msg);
      break;
    case 'packetIn':
      encodePacketIn13(w, msg);
      break;
    case 'flowRemoved':
      encodeFlowRemoved13(w, msg);
      break;
    case 'portStatus':
      encodePortStatus13(w, msg);
      break;
    case 'packetOut':
      encodePacketOut13(w, msg);
      break;
    case 'groupMod':
      encodeGroupMod(w, msg);
      break;
    case 'meterMod':
      encodeMeterMod(w, msg);
      break;
    case 'multipartRequest':
      encodeMultipartRequest13(w, msg);
      break;
    case 'multipartReply':
      encodeMultipartReply13(w, msg);
      break;
    case 'roleRequest':
    case 'roleReply':
      encodeRole13(w, msg);
      break;
    case 'roleStatus':
      encodeRoleStatus13(w, msg);
      break;
    default:
      break;
  }
  w.endMessage(start);
}

