// What one switch refused, and what follows from it: a command the switch
// answered with an ERROR is tried again a bounded number of times for the same
// desired content, then left out until its desired content changes; a meter
// the datapath cannot hold leaves its flows unmetered; an add of a group or
// meter the switch says it already has means the reconciler's picture of the
// switch is stale, and its tables are read again.
import { canonicalInstructions } from './action-key.js';
import type { DesiredTables } from './desired.js';
import type { InstalledTables, PlannedChange, PlannedObject } from './diff.js';
import { isTableFull } from '../openflow/table-full.js';
import { OFPET13_GROUP_MOD_FAILED, OFPET13_METER_MOD_FAILED, OFPGMFC_GROUP_EXISTS, OFPGMFC_UNKNOWN_GROUP, OFPMMFC_METER_EXISTS, OFPMMFC_UNKNOWN_METER } from '../openflow/wire-values.js';

export interface FlowFailure {
  key: string;
  stage?: string | undefined;
  kind: PlannedChange['kind'] | PlannedObject['kind'];
  errType: number;
  code: number;
  attempts: number;
  gaveUp: boolean;
  /** The switch's table was full: not tried again until flows leave the switch or its desired content changes. */
  tableFull?: boolean;
}

/** What the reconciler does about one refused command. */
export type RefusalOutcome =
  /** The meter is not supported: the flows that name it are sent without it from now on. */
  | { kind: 'meterUnsupported' }
  /** Tried again in a later pass; `reread` when the switch's tables must be read first. */
  | { kind: 'retry'; reread: boolean; failure: FlowFailure }
  /** Refused too often for this desired content: left out until it changes. */
  | { kind: 'gaveUp'; failure: FlowFailure };

/** An add of an object the switch has, or a modify of one it lacks: what was believed installed is wrong. */
function staleBelief(errType: number, code: number): boolean {
  if (errType === OFPET13_GROUP_MOD_FAILED) return code === OFPGMFC_GROUP_EXISTS || code === OFPGMFC_UNKNOWN_GROUP;
  if (errType === OFPET13_METER_MOD_FAILED) return code === OFPMMFC_METER_EXISTS || code === OFPMMFC_UNKNOWN_METER;
  return false;
}

/** The desired content under a key, so that a changed desire is tried afresh. */
function fingerprint(desired: DesiredTables | undefined, key: string): string {
  const d = desired?.flow(key)?.flow;
  if (d) return `${d.cookie}|${canonicalInstructions(d.instructions)}`;
  const id = Number(key.slice(key.indexOf(':') + 1));
  const o = key.startsWith('group:') ? desired?.groups.get(id) : key.startsWith('meter:') ? desired?.meters.get(id) : undefined;
  return o === undefined ? 'absent' : JSON.stringify(o);
}

/** Whether the tables as read hold the group or meter a "group:ID" or "meter:ID" key names. */
function holdsObject(t: InstalledTables, key: string): boolean {
  const id = Number(key.slice(key.indexOf(':') + 1));
  return key.startsWith('group:') ? t.groups.has(id) : key.startsWith('meter:') ? t.meters.has(id) : false;
}

export class Refusals {
  private readonly failures = new Map<string, FlowFailure & { fingerprint: string }>();
  /** Meters the switch cannot hold: flows that name them are sent without them, and they are not tried again. */
  readonly unsupportedMeters = new Set<number>();

  constructor(private readonly maxAttempts: number) {}

  list(): FlowFailure[] {
    return [...this.failures.values()].map(({ fingerprint: _f, ...rest }) => rest);
  }

  /** The switch confirmed the command under `key`. */
  succeeded(key: string): void {
    this.failures.delete(key);
  }

  /** The tables were just read: a group or meter refused as already there is judged by what the switch holds. */
  tablesRead(read: InstalledTables): void {
    for (const key of this.failures.keys()) if (holdsObject(read, key)) this.failures.delete(key);
  }

  record(c: PlannedChange | PlannedObject, errType: number, code: number, desired: DesiredTables | undefined, version: number): RefusalOutcome {
    const cmd = c.command;
    const stale = staleBelief(errType, code);
    // Any other METER_MOD_FAILED code on an add or modify means the switch has
    // no such meter support (OVS answers INVALID_METER or OUT_OF_METERS on a
    // datapath without meters).
    if (cmd.type === 'meterMod' && c.kind !== 'delete' && errType === OFPET13_METER_MOD_FAILED && !stale) {
      this.unsupportedMeters.add(cmd.meterId);
      return { kind: 'meterUnsupported' };
    }
    const print = fingerprint(desired, c.key);
    const prev = this.failures.get(c.key);
    const attempts = prev && prev.fingerprint === print ? prev.attempts + 1 : 1;
    // A full table refuses the same flow again until something leaves it: no retry in a loop.
    const tableFull = 'flow' in c && c.kind !== 'delete' && isTableFull(version, errType, code);
    const gaveUp = tableFull || attempts >= this.maxAttempts;
    const stage = 'flow' in c ? c.flow.stage : undefined;
    const failure: FlowFailure = { key: c.key, ...(stage !== undefined ? { stage } : {}), kind: c.kind, errType, code, attempts, gaveUp, ...(tableFull ? { tableFull } : {}) };
    this.failures.set(c.key, { ...failure, fingerprint: print });
    return gaveUp ? { kind: 'gaveUp', failure } : { kind: 'retry', reread: stale, failure };
  }

  /** Flows left out for a full table get one more try once flows left the switch: their keys, forgotten here. */
  retryTableFull(): string[] {
    const keys: string[] = [];
    for (const [key, f] of this.failures) {
      if (!f.tableFull) continue;
      this.failures.delete(key);
      keys.push(key);
    }
    return keys;
  }

  /** Keys that failed too often for the desired content they still have (a changed one is forgotten). */
  skipped(desired: DesiredTables | undefined): Set<string> {
    const out = new Set<string>();
    for (const [key, f] of this.failures) {
      if (!f.gaveUp) continue;
      if (f.fingerprint === fingerprint(desired, key)) out.add(key);
      else this.failures.delete(key);
    }
    return out;
  }
}
