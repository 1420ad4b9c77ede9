// Bodies of OF1.0 messages other than statistics. Decoders get a reader after
// the header; encoders write after it.
import { fail } from '../errors.js';
import { MAX_PORTS } from '../limits.js';
import type { Reader } from '../reader.js';
import { OFP10_VERSION } from '../wire-values.js';
import type {
  ControllerRole,
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
} from '../message-model.js';
import type { FlowModFlags, Instruction, Action } from '../flow-model.js';
import type { Writer } from '../writer.js';
import { decodeActions10, encodeActions10 } from './actions.js';
import { NX_ROLE, NX_VENDOR_ID, NXT_ROLE_REPLY, NXT_ROLE_REQUEST, OFP10_PHY_PORT_LEN, OFPFF10 } from './constants.js';
import { decodeMatch10, encodeMatch10 } from './match.js';
import { decodePhyPort10, encodePhyPort10, portFromWire10, portToWire10 } from './ports.js';

const V = OFP10_VERSION;
export const FLOW_MOD_COMMANDS10 = ['add', 'modify', 'modifyStrict', 'delete', 'deleteStrict'] as const;

export function flagsToWire10(f: FlowModFlags, at: number): number {
  if (f === null || typeof f !== 'object') fail('BAD_VALUE', 'flags is not an object', at);
  if (f.resetCounts || f.noPktCounts || f.noBytCounts) fail('UNSUPPORTED', 'OF1.0 has no reset/no-count flow flags', at);
  return (f.sendFlowRem ? OFPFF10.OFPFF_SEND_FLOW_REM : 0) | (f.checkOverlap ? OFPFF10.OFPFF_CHECK_OVERLAP : 0) | (f.emerg ? OFPFF10.OFPFF_EMERG : 0);
}

export function flagsFromWire10(v: number): FlowModFlags {
  const f: FlowModFlags = {};
  if (v & OFPFF10.OFPFF_SEND_FLOW_REM) f.sendFlowRem = true;
  if (v & OFPFF10.OFPFF_CHECK_OVERLAP) f.checkOverlap = true;
  if (v & OFPFF10.OFPFF_EMERG) f.emerg = true;
  return f;
}

/** An OF1.0 flow has one action list: zero or one applyActions instruction. */
export function actionsOf(ins: Instruction[], at: number): Action[] {
  if (!Array.isArray(ins)) fail('BAD_VALUE', 'instructions is not an array', at);
  if (ins.length === 0) return [];
  const only = ins[0]!;
  if (ins.length > 1 || only.type !== 'applyActions') fail('UNSUPPORTED', 'OF1.0 flows carry only one applyActions instruction', at);
  return only.actions;
}

export function instructionsOf(actions: Action[]): Instruction[] {
  return actions.length ? [{ type: 'applyActions', actions }] : [];
}

export function decodeError10(r: Reader, xid: number): ErrorMsg {
  const errType = r.u16();
  const code = r.u16();
  return { version: V, xid, type: 'error', errType, code, data: r.rest() };
}

export function encodeError10(w: Writer, m: ErrorMsg): void {
  if (m.experimenter !== undefined) fail('UNSUPPORTED', 'OF1.0 errors have no experimenter', w.pos);
  w.u16(m.errType, 'error type');
  w.u16(m.code, 'error code');
  w.bytes(m.data, 'error data');
}

const NX_ROLES: Record<number, ControllerRole> = { [NX_ROLE.NX_ROLE_OTHER]: 'equal', [NX_ROLE.NX_ROLE_MASTER]: 'master', [NX_ROLE.NX_ROLE_SLAVE]: 'slave' };

/** OFPT_VENDOR: vendor u32 then, by the Nicira convention, a u32 subtype. */
export function decodeVendor10(r: Reader, xid: number): Experimenter | RoleRequest | RoleReply {
  const experimenter = r.u32();
  const at = r.pos;
  const expType = r.u32();
  if (experimenter === NX_VENDOR_ID && (expType === NXT_ROLE_REQUEST || expType === NXT_ROLE_REPLY)) {
    const code = r.u32();
    const role = NX_ROLES[code];
    if (!role) fail('BAD_VALUE', `Nicira role ${code}`, at + 4);
    r.done('Nicira role message');
    return { version: V, xid, type: expType === NXT_ROLE_REQUEST ? 'roleRequest' : 'roleReply', role, generationId: 0n };
  }
  return { version: V, xid, type: 'experimenter', experimenter, expType, data: r.rest() };
}

export function encodeVendor10(w: Writer, m: Experimenter): void {
  w.u32(m.experimenter, 'vendor');
  w.u32(m.expType, 'vendor subtype');
  w.bytes(m.data, 'vendor data');
}

/** Open vSwitch's NXT_ROLE_REQUEST/REPLY: no generation id, no "nochange". */
export function encodeNxRole(w: Writer, m: RoleRequest | RoleReply): void {
  if (m.role === 'nochange') fail('UNSUPPORTED', 'the Nicira role extension has no "nochange"', w.pos);
  if (m.generationId !== 0n) fail('UNSUPPORTED', 'the Nicira role extension carries no generation id', w.pos);
  const code = m.role === 'master' ? NX_ROLE.NX_ROLE_MASTER : m.role === 'slave' ? NX_ROLE.NX_ROLE_SLAVE : m.role === 'equal' ? NX_ROLE.NX_ROLE_OTHER : -1;
  if (code < 0) fail('BAD_VALUE', `controller role "${String(m.role)}"`, w.pos);
  w.u32(NX_VENDOR_ID);
  w.u32(m.type === 'roleRequest' ? NXT_ROLE_REQUEST : NXT_ROLE_REPLY);
  w.u32(code);
}

export function decodeFeaturesReply10(r: Reader, xid: number): FeaturesReply {
  const datapathId = r.u64();
  const nBuffers = r.u32();
  const nTables = r.u8();
  r.skip(3);
  const capabilities = r.u32();
  const actions = r.u32();
  if (r.remaining % OFP10_PHY_PORT_LEN !== 0) fail('BAD_ELEMENT_LENGTH', `port list of ${r.remaining} bytes is not a multiple of 48`, r.pos);
  const n = r.remaining / OFP10_PHY_PORT_LEN;
  if (n > MAX_PORTS) fail('TOO_MANY_ELEMENTS', `${n} ports`, r.pos);
  const ports = [];
  for (let i = 0; i < n; i++) ports.push(decodePhyPort10(r));
  return { version: V, xid, type: 'featuresReply', datapathId, nBuffers, nTables, auxiliaryId: 0, capabilities, actions, ports };
}

export function encodeFeaturesReply10(w: Writer, m: FeaturesReply): void {
  if (m.auxiliaryId) fail('UNSUPPORTED', 'OF1.0 has no auxiliary connections', w.pos);
  w.u64(m.datapathId, 'datapath_id');
  w.u32(m.nBuffers, 'n_buffers');
  w.u8(m.nTables, 'n_tables');
  w.zeros(3);
  w.u32(m.capabilities, 'capabilities');
  w.u32(m.actions, 'actions');
  if (!Array.isArray(m.ports)) fail('BAD_VALUE', 'ports is not an array', w.pos);
  if (m.ports.length > MAX_PORTS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_PORTS} ports`, w.pos);
  for (const p of m.ports) encodePhyPort10(w, p);
}

export function decodePacketIn10(r: Reader, xid: number): PacketIn {
  const bufferId = r.u32();
  const totalLen = r.u16();
  const inPort = portFromWire10(r.u16());
  const reason = r.u8();
  r.skip(1);
  return { version: V, xid, type: 'packetIn', bufferId, totalLen, reason, tableId: 0, cookie: 0n, match: { inPort }, inPort, data: r.rest() };
}

export function encodePacketIn10(w: Writer, m: PacketIn): void {
  if (m.tableId || m.cookie) fail('UNSUPPORTED', 'OF1.0 packet-in has no table id or cookie', w.pos);
  for (const k in m.match) {
    if (k !== 'inPort' && (m.match as Record<string, unknown>)[k] !== undefined) fail('UNSUPPORTED', `OF1.0 packet-in carries no ${k}`, w.pos);
  }
  w.u32(m.bufferId, 'buffer_id');
  w.u16(m.totalLen, 'total_len');
  w.u16(portToWire10(m.inPort, w.pos, 'in_port'));
  w.u8(m.reason, 'reason');
  w.zeros(1);
  w.bytes(m.data, 'packet data');
}

export function decodePacketOut10(r: Reader, xid: number): PacketOut {
  const bufferId = r.u32();
  const inPort = portFromWire10(r.u16());
  const actionsLen = r.u16();
  const actions = decodeActions10(r.sub(actionsLen, 'packet-out actions'));
  return { version: V, xid, type: 'packetOut', bufferId, inPort, actions, data: r.rest() };
}

export function encodePacketOut10(w: Writer, m: PacketOut): void {
  w.u32(m.bufferId, 'buffer_id');
  w.u16(portToWire10(m.inPort, w.pos, 'in_port'));
  const lenAt = w.pos;
  w.u16(0);
  const start = w.pos;
  encodeActions10(w, m.actions);
  w.patchU16(lenAt, w.pos - start, 'actions');
  w.bytes(m.data, 'packet data');
}

export function decodeFlowMod10(r: Reader, xid: number): FlowMod {
  const match = decodeMatch10(r);
  const cookie = r.u64();
  const cmdAt = r.pos;
  const cmd = r.u16();
  const command = FLOW_MOD_COMMANDS10[cmd];
  if (!command) fail('BAD_VALUE', `flow-mod command ${cmd}`, cmdAt);
  const idleTimeout = r.u16();
  const hardTimeout = r.u16();
  const priority = r.u16();
  const bufferId = r.u32();
  const outPort = portFromWire10(r.u16());
  const flags = flagsFromWire10(r.u16());
  const instructions = instructionsOf(decodeActions10(r));
  return {
    version: V, xid, type: 'flowMod', cookie, cookieMask: 0n, tableId: 0, command, idleTimeout, hardTimeout, priority,
    bufferId, outPort, outGroup: 0xffffffff, flags, match, instructions,
  };
}

export function encodeFlowMod10(w: Writer, m: FlowMod): void {
  const cmd = FLOW_MOD_COMMANDS10.indexOf(m.command);
  if (cmd < 0) fail('BAD_VALUE', `flow-mod command "${String(m.command)}"`, w.pos);
  if (m.tableId) fail('UNSUPPORTED', 'OF1.0 has one table (tableId 0)', w.pos);
  if (m.cookieMask) fail('UNSUPPORTED', 'OF1.0 has no cookie mask', w.pos);
  if (m.outGroup !== 0xffffffff && (m.command === 'delete' || m.command === 'deleteStrict')) fail('UNSUPPORTED', 'OF1.0 has no out_group', w.pos);
  const actions = actionsOf(m.instructions, w.pos);
  encodeMatch10(w, m.match);
  w.u64(m.cookie, 'cookie');
  w.u16(cmd);
  w.u16(m.idleTimeout, 'idle_timeout');
  w.u16(m.hardTimeout, 'hard_timeout');
  w.u16(m.priority, 'priority');
  w.u32(m.bufferId, 'buffer_id');
  w.u16(portToWire10(m.outPort, w.pos, 'out_port'));
  w.u16(flagsToWire10(m.flags, w.pos));
  encodeActions10(w, actions);
}

export function decodeFlowRemoved10(r: Reader, xid: number): FlowRemoved {
  const match = decodeMatch10(r);
  const cookie = r.u64();
  const priority = r.u16();
  const reason = r.u8();
  r.skip(1);
  const durationSec = r.u32();
  const durationNsec = r.u32();
  const idleTimeout = r.u16();
  r.skip(2);
  const packetCount = r.u64();
  const byteCount = r.u64();
  r.done('flow removed');
  return {
    version: V, xid, type: 'flowRemoved', cookie, priority, reason, tableId: 0, durationSec, durationNsec,
    idleTimeout, hardTimeout: 0, packetCount, byteCount, match,
  };
}

export function encodeFlowRemoved10(w: Writer, m: FlowRemoved): void {
  if (m.tableId || m.hardTimeout) fail('UNSUPPORTED', 'OF1.0 flow-removed has no table id or hard timeout', w.pos);
  encodeMatch10(w, m.match);
  w.u64(m.cookie, 'cookie');
  w.u16(m.priority, 'priority');
  w.u8(m.reason, 'reason');
  w.zeros(1);
  w.u32(m.durationSec, 'duration_sec');
  w.u32(m.durationNsec, 'duration_nsec');
  w.u16(m.idleTimeout, 'idle_timeout');
  w.zeros(2);
  w.u64(m.packetCount, 'packet_count');
  w.u64(m.byteCount, 'byte_count');
}

export function decodePortStatus10(r: Reader, xid: number): PortStatus {
  const reason = r.u8();
  r.skip(7);
  const desc = decodePhyPort10(r);
  r.done('port status');
  return { version: V, xid, type: 'portStatus', reason, desc };
}

export function encodePortStatus10(w: Writer, m: PortStatus): void {
  w.u8(m.reason, 'reason');
  w.zeros(7);
  encodePhyPort10(w, m.desc);
}
