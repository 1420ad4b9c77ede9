// Canonical text of a flow's instructions, equal for what Spotlight asks for
// and what the switch reports back: OF1.0 rewrites and OF1.3 set-fields are one
// form, an empty apply-actions is no instruction at all (OVS reports such a
// flow as "drop"), and instructions are in the order OVS reports them.
import { Port, CONTROLLER_MAX_LEN_NO_BUFFER } from '../openflow/wire-values.js';
import { type Action, type Instruction, type MatchField } from '../openflow/flow-model.js';
import { canonicalFieldValue } from './match-key.js';

/** Order in which OVS lists instructions in flow stats (also the execution order). */
const INSTRUCTION_ORDER: Record<Instruction['type'], number> = {
  meter: 0,
  applyActions: 1,
  clearActions: 2,
  writeActions: 3,
  writeMetadata: 4,
  gotoTable: 5,
};

function setField(field: MatchField | 'tpSrc' | 'tpDst', value: unknown): string {
  if (field === 'tpSrc' || field === 'tpDst') return `set(${field}=${String(value)})`;
  if (field === 'vlanVid' && typeof value === 'number') {
    // OF1.3 set-field vlan_vid carries OFPVID_PRESENT; OF1.0 set_vlan_vid does not.
    return `set(vlanVid=0x${(value & 0xfff).toString(16)})`;
  }
  if (field === 'tcpSrc' || field === 'udpSrc' || field === 'sctpSrc') return `set(tpSrc=${String(value)})`;
  if (field === 'tcpDst' || field === 'udpDst' || field === 'sctpDst') return `set(tpDst=${String(value)})`;
  const v = canonicalFieldValue(field, value);
  return `set(${field}=${v ?? `?${String(value)}`})`;
}

export function canonicalAction(a: Action): string {
  switch (a.type) {
    case 'output':
      return a.port === Port.CONTROLLER
        ? `output:controller:${a.maxLen ?? CONTROLLER_MAX_LEN_NO_BUFFER}`
        : `output:${a.port}`;
    case 'group':
      return `group:${a.groupId}`;
    case 'setQueue':
      return `setQueue:${a.queueId}`;
    case 'enqueue':
      return `enqueue:${a.port}:${a.queueId}`;
    case 'pushVlan':
      return `pushVlan:0x${a.ethertype.toString(16)}`;
    case 'popVlan':
    case 'stripVlan':
      return 'popVlan';
    case 'pushMpls':
      return `pushMpls:0x${a.ethertype.toString(16)}`;
    case 'popMpls':
      return `popMpls:0x${a.ethertype.toString(16)}`;
    case 'setField':
      return setField(a.field, a.value);
    case 'setVlanVid':
      return setField('vlanVid', a.vid);
    case 'setVlanPcp':
      return setField('vlanPcp', a.pcp);
    case 'setDlSrc':
      return setField('ethSrc', a.mac);
    case 'setDlDst':
      return setField('ethDst', a.mac);
    case 'setNwSrc':
      return setField('ipv4Src', a.ip);
    case 'setNwDst':
      return setField('ipv4Dst', a.ip);
    case 'setNwTos':
      // nw_tos carries the DSCP in its upper six bits.
      return setField('ipDscp', a.tos >> 2);
    case 'setTpSrc':
      return setField('tpSrc', a.port);
    case 'setTpDst':
      return setField('tpDst', a.port);
    case 'decNwTtl':
      return 'decNwTtl';
    case 'setNwTtl':
      return `setNwTtl:${a.ttl}`;
    case 'experimenter':
      return `experimenter:0x${a.experimenter.toString(16)}:${Buffer.from(a.data).toString('hex')}`;
  }
}

function canonicalInstruction(i: Instruction): string {
  switch (i.type) {
    case 'gotoTable':
      return `goto:${i.tableId}`;
    case 'writeMetadata': {
      const mask = i.mask & 0xffffffffffffffffn;
      return `writeMetadata:0x${(i.metadata & mask).toString(16)}/0x${mask.toString(16)}`;
    }
    case 'applyActions':
      return `apply(${i.actions.map(canonicalAction).join(',')})`;
    case 'writeActions':
      return `write(${i.actions.map(canonicalAction).join(',')})`;
    case 'clearActions':
      return 'clear';
    case 'meter':
      return `meter:${i.meterId}`;
  }
}

export function canonicalInstructions(instructions: readonly Instruction[]): string {
  const kept = instructions.filter((i) => !(i.type === 'applyActions' && i.actions.length === 0));
  const sorted = [...kept].sort((a, b) => INSTRUCTION_ORDER[a.type] - INSTRUCTION_ORDER[b.type]);
  return sorted.map(canonicalInstruction).join(';');
}

export function sameInstructions(a: readonly Instruction[], b: readonly Instruction[]): boolean {
  return canonicalInstructions(a) === canonicalInstructions(b);
}

/**
 * A flow that neither forwards, sends to the controller, nor continues the
 * pipeline: it drops what it matches.
 */
export function isDropFlow(instructions: readonly Instruction[]): boolean {
  for (const i of instructions) {
    if (i.type === 'gotoTable') return false;
    if (i.type === 'applyActions' || i.type === 'writeActions') {
      if (i.actions.some((a) => a.type === 'output' || a.type === 'group' || a.type === 'enqueue')) return false;
    }
  }
  return true;
}
