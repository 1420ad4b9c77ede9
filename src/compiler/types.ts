// What the compiler hands to the reconciler: per switch, plain desired flows
// named by stage, and diagnostics as values.
import type { Instruction, Match, OfVersion } from '../openflow/types.js';
import type { Dpid } from '../topo/types.js';

export interface DesiredFlow {
  /** Pipeline stage that produced it (flows/PIPELINE.md). */
  stage: string;
  tableId: number;
  priority: number;
  match: Match;
  /** OF1.0 flows carry zero or one applyActions. */
  instructions: Instruction[];
  cookie: bigint;
  /**
   * Kept out of the packet-in meter (OF1.3): only the discovery trap of a
   * fabric port, where nothing but the neighbour switch's probes arrive, so a
   * VM filling the meter cannot starve discovery and make the fabric flap.
   */
  unmetered?: boolean;
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
  /** Two endpoints of one network claim the same MAC; the later one (by name) is ignored. */
  | 'DUPLICATE_MAC';

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
}

export interface CompileResult {
  switches: Map<Dpid, SwitchFlows>;
  diagnostics: Diagnostic[];
}
