// What the compiler hands to the reconciler: per switch, plain desired flows
// named by stage, the groups and meters they use, and diagnostics as values.
import type { Bucket, GroupType, Instruction, Match, MeterBand } from '../openflow/flow-model.js';
import type { OfVersion } from '../openflow/wire-values.js';
import type { Dpid } from '../openflow/dpid.js';

export interface DesiredFlow {
  /** Pipeline stage that produced it (flows/PIPELINE.md). */
  stage: string;
  tableId: number;
  priority: number;
  match: Match;
  /** OF1.0 flows carry zero or one applyActions. */
  instructions: Instruction[];
  cookie: bigint;
}

/** An OF1.3 group the switch must hold (Spotlight's group ids: src/compiler/fabric.ts). */
export interface DesiredGroup {
  groupId: number;
  groupType: GroupType;
  buckets: Bucket[];
}

/** An OF1.3 meter the switch must hold. */
export interface DesiredMeter {
  meterId: number;
  /** MeterFlags bits. */
  flags: number;
  bands: MeterBand[];
}

export type DiagnosticCode =
  /** An interface, gateway or migration destination names a switch the topology lacks. */
  | 'UNKNOWN_SWITCH'
  /** The port is not on the switch yet (a tap that appears later). */
  | 'PORT_NOT_PRESENT'
  /** The attachment port is a fabric link end; it is not bound. */
  | 'PORT_IS_FABRIC'
  /** No usable fabric path between two switches that share a network. */
  | 'UNREACHABLE_SWITCH'
  /** The network's DHCP server MAC is bound to no endpoint: DHCP requests are dropped. */
  | 'DHCP_SERVER_ABSENT'
  /** Two endpoints of one network claim the same MAC; a gateway, then the smallest id, keeps it. */
  | 'DUPLICATE_MAC'
  /** One MAC is delivered on two ports of one switch (in two networks): frames from other switches reach the first by id only. */
  | 'MAC_CONFLICT'
  /** A MAC in the fabric's reserved range (src/compiler/fabric.ts): it is not bound. */
  | 'RESERVED_MAC'
  /** More switches than fabric labels (4,094): this one gets no traffic from other switches. */
  | 'NO_LABEL';

export interface Diagnostic {
  code: DiagnosticCode;
  message: string;
  dpid?: Dpid;
  vm?: string;
  network?: string;
  port?: string | number;
}

export interface SwitchFlows {
  dpid: Dpid;
  version: OfVersion;
  flows: DesiredFlow[];
  groups: DesiredGroup[];
  meters: DesiredMeter[];
}

export interface CompileResult {
  switches: Map<Dpid, SwitchFlows>;
  diagnostics: Diagnostic[];
}

/**
 * What changed on one switch since the last hand-over: objects that left and
 * objects that came. A flow that changed appears in both (its old object
 * removed, its new one added); the reconciler keys them by identity.
 */
export interface SwitchDelta {
  dpid: Dpid;
  version: OfVersion;
  removedFlows: DesiredFlow[];
  addedFlows: DesiredFlow[];
  removedGroups: DesiredGroup[];
  addedGroups: DesiredGroup[];
  removedMeters: DesiredMeter[];
  addedMeters: DesiredMeter[];
}
