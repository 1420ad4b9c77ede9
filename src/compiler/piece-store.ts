// The compiled state of every switch, in pieces: per switch, per scope (the
// switch's own flows, its delivered MACs, each network present there), per
// piece (a source, a destination, the network-wide flows...) the flows,
// groups and meters it lowered to, and the signature of the inputs they came
// from. Refreshing a scope re-lowers only the pieces whose signature changed
// and records what left and what came, per switch, for the reconciler.
import { OFP10_VERSION, type OfVersion } from '../openflow/wire-values.js';
import { checkFlow } from './pipeline.js';
import type { Dpid } from '../openflow/dpid.js';
import type { DesiredFlow, DesiredGroup, DesiredMeter, SwitchDelta } from './types.js';

/** A named part of a switch's flows: what it is lowered from, and how. */
export interface Piece {
  sig: Sig;
  build(): { flows: DesiredFlow[]; groups?: DesiredGroup[]; meters?: DesiredMeter[] };
}

interface Lowered {
  sig: Sig;
  flows: DesiredFlow[];
  groups: DesiredGroup[];
  meters: DesiredMeter[];
}

const NONE: never[] = [];

/** What a piece is lowered from, compared element by element (by identity for objects, which are immutable). */
export type Sig = readonly unknown[];

export function sameSig(a: Sig, b: Sig): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Told of every change to a switch's desired flows, as it is recorded (the table budgets count them). */
export type FlowsChanged = (dpid: Dpid, removed: readonly DesiredFlow[], added: readonly DesiredFlow[]) => void;

export class PieceStore {
  private readonly switches = new Map<Dpid, Map<string, Map<string, Lowered>>>();
  private readonly deltas = new Map<Dpid, SwitchDelta>();
  /** Per switch, the objects its pending delta adds (so one removed again is found without a search). */
  private readonly addedSince = new Map<Dpid, Set<unknown>>();
  /** Off while the first compile fills the store: what it lowers is where switches start, not a change to them. */
  private recording = false;

  /** Pieces lowered again since the store was made (a measure of what changes cost). */
  lowered = 0;
  /** Flows left out because they broke their stage's declaration (a compiler fault), the latest 100. */
  readonly violations: { dpid: Dpid; piece: string; why: string }[] = [];

  constructor(private readonly onFlowsChanged?: FlowsChanged) {}

  /** Brings one scope of a switch to `pieces`: pieces it does not list are dropped. */
  refresh(dpid: Dpid, version: OfVersion, scope: string, pieces: ReadonlyMap<string, Piece>): void {
    const cur = this.switches.get(dpid)?.get(scope);
    const gone: string[] = [];
    if (cur) for (const key of cur.keys()) if (!pieces.has(key)) gone.push(key);
    this.patch(dpid, version, scope, pieces, gone);
  }

  /** Brings some pieces of one scope up to date: those in `pieces` (re-lowered when their inputs changed) and those in `gone` (dropped). */
  patch(dpid: Dpid, version: OfVersion, scope: string, pieces: ReadonlyMap<string, Piece>, gone: Iterable<string>): void {
    let scopes = this.switches.get(dpid);
    let cur = scopes?.get(scope);
    if (cur) {
      for (const key of gone) {
        const old = cur.get(key);
        if (!old) continue;
        this.record(dpid, version, old, undefined);
        cur.delete(key);
      }
    }
    const lowering = version === OFP10_VERSION ? 'of10' : 'of13';
    for (const [key, p] of pieces) {
      const old = cur?.get(key);
      if (old && sameSig(old.sig, p.sig)) continue;
      const b = p.build();
      // Every lowered flow keeps to its stage's declaration (Faucet checks every flow-mod the same way); one that does not is left out and reported.
      let flows = b.flows;
      for (const f of b.flows) {
        const why = checkFlow(f, lowering);
        if (why === null) continue;
        flows = flows.filter((x) => x !== f);
        this.violations.push({ dpid, piece: `${scope}/${key}`, why });
        if (this.violations.length > 100) this.violations.shift();
      }
      const l: Lowered = { sig: p.sig, flows, groups: b.groups ?? NONE, meters: b.meters ?? NONE };
      this.record(dpid, version, old, l);
      if (!cur) {
        if (!scopes) this.switches.set(dpid, (scopes = new Map<string, Map<string, Lowered>>()));
        scopes.set(scope, (cur = new Map<string, Lowered>()));
      }
      cur.set(key, l);
      this.lowered++;
    }
    if (cur && cur.size === 0) scopes!.delete(scope);
    if (scopes && scopes.size === 0) this.switches.delete(dpid);
  }

  /** Drops every piece of a switch (it left the fabric). */
  dropSwitch(dpid: Dpid, version: OfVersion): void {
    const scopes = this.switches.get(dpid);
    if (!scopes) return;
    for (const cur of scopes.values()) for (const l of cur.values()) this.record(dpid, version, l, undefined);
    this.switches.delete(dpid);
  }

  /** Every version change re-lowers a switch whole: its old objects leave under the old version. */
  scopesOf(dpid: Dpid): string[] {
    return [...(this.switches.get(dpid)?.keys() ?? [])];
  }

  hasScope(dpid: Dpid, scope: string): boolean {
    return this.switches.get(dpid)?.has(scope) === true;
  }

  /** From now on, what is lowered is recorded as deltas for takeDeltas(). */
  recordDeltas(): void {
    this.recording = true;
  }

  /** The deltas recorded since the last call, per switch. */
  takeDeltas(): Map<Dpid, SwitchDelta> {
    const out = new Map(this.deltas);
    this.deltas.clear();
    this.addedSince.clear();
    return out;
  }

  switchIds(): Dpid[] {
    return [...this.switches.keys()];
  }

  flows(dpid: Dpid): DesiredFlow[] {
    const out: DesiredFlow[] = [];
    for (const cur of this.switches.get(dpid)?.values() ?? []) for (const l of cur.values()) for (const f of l.flows) out.push(f);
    return out;
  }

  groups(dpid: Dpid): DesiredGroup[] {
    const out: DesiredGroup[] = [];
    for (const cur of this.switches.get(dpid)?.values() ?? []) for (const l of cur.values()) for (const g of l.groups) out.push(g);
    return out;
  }

  meters(dpid: Dpid): DesiredMeter[] {
    const out: DesiredMeter[] = [];
    for (const cur of this.switches.get(dpid)?.values() ?? []) for (const l of cur.values()) for (const m of l.meters) out.push(m);
    return out;
  }

  private record(dpid: Dpid, version: OfVersion, old: Lowered | undefined, now: Lowered | undefined): void {
    this.onFlowsChanged?.(dpid, old?.flows ?? NONE, now?.flows ?? NONE);
    if (!this.recording) return;
    let d = this.deltas.get(dpid);
    if (!d) {
      d = { dpid, version, removedFlows: [], addedFlows: [], removedGroups: [], addedGroups: [], removedMeters: [], addedMeters: [] };
      this.deltas.set(dpid, d);
    }
    d.version = version;
    if (old) {
      // An object added since the last takeDeltas() and removed again (a trial compile taken back) leaves no trace:
      // the reconciler applies a delta's removals before its additions, so both would otherwise leave it added.
      const added = this.addedSince.get(dpid);
      for (const f of old.flows) if (!cancelAdded(added, d.addedFlows, f)) d.removedFlows.push(f);
      for (const g of old.groups) if (!cancelAdded(added, d.addedGroups, g)) d.removedGroups.push(g);
      for (const m of old.meters) if (!cancelAdded(added, d.addedMeters, m)) d.removedMeters.push(m);
    }
    if (now) {
      let added = this.addedSince.get(dpid);
      if (!added) this.addedSince.set(dpid, (added = new Set()));
      for (const f of now.flows) {
        d.addedFlows.push(f);
        added.add(f);
      }
      for (const g of now.groups) {
        d.addedGroups.push(g);
        added.add(g);
      }
      for (const m of now.meters) {
        d.addedMeters.push(m);
        added.add(m);
      }
    }
  }
}

/** Takes `x` out of the delta's additions if it is one of them (by identity); true when it was. Searched from the end: a trial's objects are the latest. */
function cancelAdded<T>(added: Set<unknown> | undefined, list: T[], x: T): boolean {
  if (!added?.has(x)) return false;
  added.delete(x);
  const i = list.lastIndexOf(x);
  if (i >= 0) list.splice(i, 1);
  return true;
}
