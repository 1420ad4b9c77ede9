// OF1.3 instructions: {type u16, len u16, body}, len a multiple of 8.
import { fail } from '../errors.js';
import { MAX_INSTRUCTIONS } from '../limits.js';
import type { Reader } from '../reader.js';
import type { Instruction } from '../flow-model.js';
import { checkU8, putU16, putU32, type Writer } from '../writer.js';
import { decodeActions13, encodeActions13 } from './actions.js';
import { OFPIT13 } from './constants.js';

export function encodeInstructions13(w: Writer, list: Instruction[]): void {
  if (!Array.isArray(list)) fail('BAD_VALUE', 'instructions is not an array', w.pos);
  if (list.length > MAX_INSTRUCTIONS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_INSTRUCTIONS} instructions`, w.pos);
  for (let i = 0; i < list.length; i++) {
    const ins = list[i]!;
    const start = w.pos;
    switch (ins?.type) {
      case 'gotoTable':
        checkU8(ins.tableId, 'goto table id', start + 4);
        w.claim(8);
        putU16(w.buf, start, OFPIT13.OFPIT_GOTO_TABLE);
        putU16(w.buf, start + 2, 8);
        putU32(w.buf, start + 4, ins.tableId * 0x1000000);
        break;
      case 'writeMetadata':
        w.u16(OFPIT13.OFPIT_WRITE_METADATA);
        w.u16(24);
        w.zeros(4);
        w.u64(ins.metadata, 'metadata');
        w.u64(ins.mask, 'metadata mask');
        break;
      case 'applyActions':
      case 'writeActions':
        w.claim(8);
        putU16(w.buf, start, ins.type === 'applyActions' ? OFPIT13.OFPIT_APPLY_ACTIONS : OFPIT13.OFPIT_WRITE_ACTIONS);
        // The length (patched below) and the padding.
        for (let j = start + 2; j < start + 8; j++) w.buf[j] = 0;
        encodeActions13(w, ins.actions);
        w.patchU16(start + 2, w.pos - start, 'instruction');
        break;
      case 'clearActions':
        w.u16(OFPIT13.OFPIT_CLEAR_ACTIONS);
        w.u16(8);
        w.zeros(4);
        break;
      case 'meter':
        w.u16(OFPIT13.OFPIT_METER);
        w.u16(8);
        w.u32(ins.meterId, 'meter id');
        break;
      default:
        fail('BAD_VALUE', `unknown instruction type "${String((ins as { type?: unknown })?.type)}"`, w.pos);
    }
  }
}

function fixed(len: number, n: number, what: string, at: number): void {
  if (len !== n) fail('BAD_ELEMENT_LENGTH', `${what} instruction length ${len}, expected ${n}`, at + 2);
}

export function decodeInstructions13(r: Reader): Instruction[] {
  // The first two are held apart and the array made at its size at the end
  // (a push onto [] reserves 17 slots); a flow seldom has more than two.
  let i0: Instruction | undefined;
  let i1: Instruction | undefined;
  let more: Instruction[] | undefined;
  let n = 0;
  const bytes = r.bytes;
  let seen = 0;
  while (r.pos < r.end) {
    if (n >= MAX_INSTRUCTIONS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_INSTRUCTIONS} instructions`, r.pos);
    const at = r.pos;
    if (r.end - at < 4) fail('BAD_ELEMENT_LENGTH', `instruction header needs 4 bytes, ${r.end - at} left`, at);
    const type = (bytes[at]! << 8) | bytes[at + 1]!;
    const len = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (len < 8 || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `instruction length ${len} is not a positive multiple of 8`, at + 2);
    // goto-table, whole and in bounds, in one step (its table id is byte 4).
    let ins: Instruction;
    if (type === OFPIT13.OFPIT_GOTO_TABLE && len === 8 && at + 8 <= r.end && (seen & (1 << type)) === 0) {
      seen |= 1 << type;
      ins = { type: 'gotoTable', tableId: bytes[at + 4]! };
      r.pos = at + 8;
    } else {
      ins = readInstruction(r, type, len, at, seen);
      if (type >= 1 && type <= 6) seen |= 1 << type;
    }
    if (n === 0) i0 = ins;
    else if (n === 1) i1 = ins;
    else (more ??= []).push(ins);
    n++;
  }
  if (n === 0) return [];
  if (n === 1) return [i0!];
  return more === undefined ? [i0!, i1!] : [i0!, i1!, ...more];
}

/** One instruction by the general path; `seen` holds the types read before. */
function readInstruction(r: Reader, type: number, len: number, at: number, seen: number): Instruction {
  let ins: Instruction;
  r.pos = at + 4;
  // Read in place within the instruction's bounds (no child reader).
  const outer = r.enter(len - 4, 'instruction');
  const b = r;
  // Each instruction type may appear once per flow (spec 5.9).
  if (type >= 1 && type <= 6) {
    if (seen & (1 << type)) fail('DUPLICATE_FIELD', `instruction type ${type} appears twice`, at);
  }
  switch (type) {
    case OFPIT13.OFPIT_GOTO_TABLE:
      fixed(len, 8, 'goto-table', at);
      ins = { type: 'gotoTable', tableId: b.u8() };
      break;
    case OFPIT13.OFPIT_WRITE_METADATA:
      fixed(len, 24, 'write-metadata', at);
      b.skip(4);
      ins = { type: 'writeMetadata', metadata: b.u64(), mask: b.u64() };
      break;
    case OFPIT13.OFPIT_WRITE_ACTIONS:
    case OFPIT13.OFPIT_APPLY_ACTIONS: {
      b.skip(4);
      const actions = decodeActions13(b);
      ins = type === OFPIT13.OFPIT_APPLY_ACTIONS ? { type: 'applyActions', actions } : { type: 'writeActions', actions };
      break;
    }
    case OFPIT13.OFPIT_CLEAR_ACTIONS:
      fixed(len, 8, 'clear-actions', at);
      ins = { type: 'clearActions' };
      break;
    case OFPIT13.OFPIT_METER:
      fixed(len, 8, 'meter', at);
      ins = { type: 'meter', meterId: b.u32() };
      break;
    default:
      fail('UNSUPPORTED', `instruction type ${type} is not modelled by Spotlight`, at);
  }
  r.leave(outer);
  return ins;
}
