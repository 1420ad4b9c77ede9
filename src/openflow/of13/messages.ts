// Bodies of the OF1.3 messages outside multipart, groups, meters and bundles
// (and the ONF role status, which rides an experimenter message).
// Decoders get a reader positioned after the header; encoders write after it.
import { fail } from '../errors.js';
import { u16At, u32At, u64FromWords, type Reader } from '../reader.js';
import { OFP13_VERSION } from '../wire-values.js';
import type {
  ControllerRole,
  EchoReply,
  EchoRequest,
  ErrorMsg,
  Experimenter,
  FeaturesReply,
  FlowMod,
  FlowRemoved,
  PacketIn,
  PacketOut,
  PortStatus,
  RoleReply,
  RoleRequest,
  RoleStatus,
} from '../message-model.js';
import { checkU16, checkU32, checkU8, type Writer } from '../writer.js';
import { decodeActions13, encodeActions13 } from './actions.js';
import { putFlowModFields13 } from './flow-mod-fast.js';
import { OFPCRR_REASONS, OFPET_EXPERIMENTER, ONF_EXPERIMENTER_ID, ONFT_ROLE_STATUS } from './constants.js';
import { FLOW_MOD_COMMANDS, flagsFromWire13, flagsToWire13 } from './flags.js';
import { decodeInstructions13, encodeInstructions13 } from './instructions.js';
import { decodeMatch13, encodeMatch13 } from './match.js';
import { decodePort13, encodePort13 } from './ports.js';

const V = OFP13_VERSION;

export function decodeError13(r: Reader, xid: number): ErrorMsg {
  const errType = r.u16();
  const code = r.u16();
  if (errType === OFPET_EXPERIMENTER) {
    const experimenter = r.u32();
    return { version: V, xid, type: 'error', errType, code, experimenter, data: r.rest() };
  }
  return { version: V, xid, type: 'error', errType, code, data: r.rest() };
}

export function encodeError13(w: Writer, m: ErrorMsg): void {
  w.u16(m.errType, 'error type');
  w.u16(m.code, 'error code');
  if (m.errType === OFPET_EXPERIMENTER) w.u32(m.experimenter ?? 0, 'experimenter');
  else if (m.experimenter !== undefined) fail('BAD_VALUE', 'experimenter is only for OFPET_EXPERIMENTER errors', w.pos);
  w.bytes(m.data, 'error data');
}

export function decodeEcho13(r: Reader, xid: number, type: 'echoRequest' | 'echoReply'): EchoRequest | EchoReply {
  return { version: V, xid, type, data: r.rest() };
}

export function decodeExperimenter13(r: Reader, xid: number): Experimenter {
  const experimenter = r.u32();
  const expType = r.u32();
  return { version: V, xid, type: 'experimenter', experimenter, expType, data: r.rest() };
}

export function encodeExperimenter13(w: Writer, m: Experimenter): void {
  w.u32(m.experimenter, 'experimenter');
  w.u32(m.expType, 'exp_type');
  w.bytes(m.data, 'experimenter data');
}

export function decodeFeaturesReply13(r: Reader, xid: number): FeaturesReply {
  const datapathId = r.u64();
  const nBuffers = r.u32();
  const nTables = r.u8();
  const auxiliaryId = r.u8();
  r.skip(2);
  const capabilities = r.u32();
  r.skip(4);
  r.done('features reply');
  return { version: V, xid, type: 'featuresReply', datapathId, nBuffers, nTables, auxiliaryId, capabilities, actions: 0, ports: [] };
}

export function encodeFeaturesReply13(w: Writer, m: FeaturesReply): void {
  if (m.ports?.length) fail('UNSUPPORTED', 'OF1.3 features reply carries no ports (use a portDesc multipart)', w.pos);
  if (m.actions) fail('UNSUPPORTED', 'OF1.3 features reply carries no actions bitmap', w.pos);
  w.u64(m.datapathId, 'datapath_id');
  w.u32(m.nBuffers, 'n_buffers');
  w.u8(m.nTables, 'n_tables');
  w.u8(m.auxiliaryId, 'auxiliary_id');
  w.zeros(2);
  w.u32(m.capabilities, 'capabilities');
  w.zeros(4);
}

export function decodePacketIn13(r: Reader, xid: number): PacketIn {
  const bufferId = r.u32();
  const totalLen = r.u16();
  const reason = r.u8();
  const tableId = r.u8();
  const cookie = r.u64();
  const match = decodeMatch13(r);
  r.skip(2);
  const data = r.rest();
  return { version: V, xid, type: 'packetIn', bufferId, totalLen, reason, tableId, cookie, match, inPort: match.inPort ?? 0, data };
}

export function encodePacketIn13(w: Writer, m: PacketIn): void {
  w.u32(m.bufferId, 'buffer_id');
  w.u16(m.totalLen, 'total_len');
  w.u8(m.reason, 'reason');
  w.u8(m.tableId, 'table_id');
  w.u64(m.cookie, 'cookie');
  const match = m.match?.inPort === undefined && m.inPort ? { ...m.match, inPort: m.inPort } : m.match;
  encodeMatch13(w, match);
  w.zeros(2);
  w.bytes(m.data, 'packet data');
}

export function decodePacketOut13(r: Reader, xid: number): PacketOut {
  const bufferId = r.u32();
  const inPort = r.u32();
  const actionsLen = r.u16();
  r.skip(6);
  const actions = decodeActions13(r.sub(actionsLen, 'packet-out actions'));
  return { version: V, xid, type: 'packetOut', bufferId, inPort, actions, data: r.rest() };
}

export function encodePacketOut13(w: Writer, m: PacketOut): void {
  w.u32(m.bufferId, 'buffer_id');
  w.u32(m.inPort, 'in_port');
  const lenAt = w.pos;
  w.u16(0);
  w.zeros(6);
  const start = w.pos;
  encodeActions13(w, m.actions);
  w.patchU16(lenAt, w.pos - start, 'actions');
  w.bytes(m.data, 'packet data');
}

export function decodeFlowMod13(r: Reader, xid: number): FlowMod {
  if (r.end - r.pos >= 40) return decodeFlowModWhole(r, xid);
  const cookie = r.u64();
  const cookieMask = r.u64();
  const tableId = r.u8();
  const cmdAt = r.pos;
  const cmd = r.u8();
  const command = FLOW_MOD_COMMANDS[cmd];
  if (!command) fail('BAD_VALUE', `flow-mod command ${cmd}`, cmdAt);
  const idleTimeout = r.u16();
  const hardTimeout = r.u16();
  const priority = r.u16();
  const bufferId = r.u32();
  const outPort = r.u32();
  const outGroup = r.u32();
  const flags = flagsFromWire13(r.u16());
  r.skip(2);
  const match = decodeMatch13(r);
  const instructions = decodeInstructions13(r);
  return {
    version: V, xid, type: 'flowMod', cookie, cookieMask, tableId, command, idleTimeout, hardTimeout, priority,
    bufferId, outPort, outGroup, flags, match, instructions,
  };
}


/** decodeFlowMod13 when its 40 fixed bytes are all there: one bounds check for them. */
function decodeFlowModWhole(r: Reader, xid: number): FlowMod {
  const b = r.bytes;
  const p = r.pos;
  const command = FLOW_MOD_COMMANDS[b[p + 17]!];
  if (!command) fail('BAD_VALUE', `flow-mod command ${b[p + 17]!}`, p + 17);
  const cookie = u64FromWords(u32At(b, p), u32At(b, p + 4));
  const cookieMask = u64FromWords(u32At(b, p + 8), u32At(b, p + 12));
  const tableId = b[p + 16]!;
  const idleTimeout = u16At(b, p + 18);
  const hardTimeout = u16At(b, p + 20);
  const priority = u16At(b, p + 22);
  const bufferId = u32At(b, p + 24);
  const outPort = u32At(b, p + 28);
  const outGroup = u32At(b, p + 32);
  const flags = flagsFromWire13(u16At(b, p + 36));
  r.pos = p + 40;
  const match = decodeMatch13(r);
  const instructions = decodeInstructions13(r);
  return {
    version: V, xid, type: 'flowMod', cookie, cookieMask, tableId, command, idleTimeout, hardTimeout, priority,
    bufferId, outPort, outGroup, flags, match, instructions,
  };
}

export function encodeFlowMod13(w: Writer, m: FlowMod): void {
  const cmd = FLOW_MOD_COMMANDS.indexOf(m.command);
  if (cmd < 0) fail('BAD_VALUE', `flow-mod command "${String(m.command)}"`, w.pos);
  w.u64(m.cookie, 'cookie');
  w.u64(m.cookieMask, 'cookie_mask');
  // table_id .. pad (24 bytes): every field checked, then written in place.
  const at = w.pos;
  const { tableId, idleTimeout, hardTimeout, priority, bufferId, outPort, outGroup } = m;
  checkU8(tableId, 'table_id', at);
  checkU16(idleTimeout, 'idle_timeout', at + 2);
  checkU16(hardTimeout, 'hard_timeout', at + 4);
  checkU16(priority, 'priority', at + 6);
  checkU32(bufferId, 'buffer_id', at + 8);
  checkU32(outPort, 'out_port', at + 12);
  checkU32(outGroup, 'out_group', at + 16);
  const flags = flagsToWire13(m.flags, at + 20);
  const p = w.claim(24);
  putFlowModFields13(w.buf, p, tableId, cmd, idleTimeout, hardTimeout, priority, bufferId, outPort, outGroup, flags);
  encodeMatch13(w, m.match);
  encodeInstructions13(w, m.instructions);
}

export function decodeFlowRemoved13(r: Reader, xid: number): FlowRemoved {
  const cookie = r.u64();
  const priority = r.u16();
  const reason = r.u8();
  const tableId = r.u8();
  const durationSec = r.u32();
  const durationNsec = r.u32();
  const idleTimeout = r.u16();
  const hardTimeout = r.u16();
  const packetCount = r.u64();
  const byteCount = r.u64();
  const match = decodeMatch13(r);
  r.done('flow removed');
  return {
    version: V, xid, type: 'flowRemoved', cookie, priority, reason, tableId, durationSec, durationNsec,
    idleTimeout, hardTimeout, packetCount, byteCount, match,
  };
}

export function encodeFlowRemoved13(w: Writer, m: FlowRemoved): void {
  w.u64(m.cookie, 'cookie');
  w.u16(m.priority, 'priority');
  w.u8(m.reason, 'reason');
  w.u8(m.tableId, 'table_id');
  w.u32(m.durationSec, 'duration_sec');
  w.u32(m.durationNsec, 'duration_nsec');
  w.u16(m.idleTimeout, 'idle_timeout');
  w.u16(m.hardTimeout, 'hard_timeout');
  w.u64(m.packetCount, 'packet_count');
  w.u64(m.byteCount, 'byte_count');
  encodeMatch13(w, m.match);
}

export function decodePortStatus13(r: Reader, xid: number): PortStatus {
  const reason = r.u8();
  r.skip(7);
  const desc = decodePort13(r);
  r.done('port status');
  return { version: V, xid, type: 'portStatus', reason, desc };
}

export function encodePortStatus13(w: Writer, m: PortStatus): void {
  w.u8(m.reason, 'reason');
  w.zeros(7);
  encodePort13(w, m.desc);
}

/** OFPCR_ROLE_NOCHANGE, _EQUAL, _MASTER and _SLAVE, by their wire value. */
const ROLES: readonly ControllerRole[] = ['nochange', 'equal', 'master', 'slave'];

export function decodeRole13(r: Reader, xid: number, type: 'roleRequest' | 'roleReply'): RoleRequest | RoleReply {
  const at = r.pos;
  const code = r.u32();
  const role = ROLES[code];
  if (!role) fail('BAD_VALUE', `controller role ${code}`, at);
  r.skip(4);
  const generationId = r.u64();
  r.done('role message');
  return { version: V, xid, type, role, generationId };
}

/** The body of ONF ROLE_STATUS, after experimenter id and type. */
export function decodeRoleStatus13(r: Reader, xid: number): RoleStatus {
  const at = r.pos;
  const code = r.u32();
  const role = ROLES[code];
  if (!role) fail('BAD_VALUE', `controller role ${code}`, at);
  const reasonAt = r.pos;
  const reasonCode = r.u8();
  const reason = OFPCRR_REASONS[reasonCode];
  if (!reason) fail('BAD_VALUE', `role status reason ${reasonCode}`, reasonAt);
  r.skip(3);
  const generationId = r.u64();
  // Properties may follow (none are defined for OF1.3); they are skipped.
  r.skip(r.remaining);
  return { version: V, xid, type: 'roleStatus', role, reason, generationId };
}

export function encodeRoleStatus13(w: Writer, m: RoleStatus): void {
  const code = ROLES.indexOf(m.role);
  if (code < 0) fail('BAD_VALUE', `controller role "${String(m.role)}"`, w.pos);
  const reason = OFPCRR_REASONS.indexOf(m.reason);
  if (reason < 0) fail('BAD_VALUE', `role status reason "${String(m.reason)}"`, w.pos);
  w.u32(ONF_EXPERIMENTER_ID);
  w.u32(ONFT_ROLE_STATUS);
  w.u32(code);
  w.u8(reason);
  w.zeros(3);
  w.u64(m.generationId, 'generation_id');
}

export function encodeRole13(w: Writer, m: RoleRequest | RoleReply): void {
  const code = ROLES.indexOf(m.role);
  if (code < 0) fail('BAD_VALUE', `controller role "${String(m.role)}"`, w.pos);
  w.u32(code);
  w.zeros(4);
  w.u64(m.generationId, 'generation_id');
}
