// What a switch gets on connect besides the tenant flows, as values:
//  - fail-secure, set on the OVS side (an OVSDB setting, not an OpenFlow one),
//    so that installed flows keep forwarding while the controller is away and
//    the switch never falls back to learning-switch behaviour;
//  - a table-miss drop flow in every table Spotlight uses (OVS sends OF1.0
//    table misses to the controller unless a flow says otherwise);
//  - a rate-limited path to the controller. OF1.3: a meter (packets per second,
//    with a drop band) that every flow sending to the controller passes
//    through. OF1.0 has no meters; OVS's own per-controller limit stands in:
//      ovs-vsctl set controller BRIDGE controller_rate_limit=RATE controller_burst_limit=BURST
//    (OVS accepts a rate of at least 100 packets/s and a burst of at least 25).
//    It is worth setting for OF1.3 switches too, as a second fence.
import { MeterFlags, OFP13_VERSION, Port, type Instruction, type OfVersion } from '../openflow/types.js';
import type { DesiredFlow, MeterModBody } from './ports.js';

export interface HygieneOptions {
  version: OfVersion;
  /** Tables the pipeline uses (OF1.0: [0]). */
  tables: readonly number[];
  /** Cookie for the hygiene flows (inside Spotlight's cookie space). */
  cookie: bigint;
  /** Bridge name on the OVS side, for the ovsdb commands. */
  bridge?: string;
  /** Packets per second allowed to the controller from this switch (default 100). */
  packetInRate?: number;
  /** Burst allowed above the rate, in packets (default 50). */
  packetInBurst?: number;
  /** Meter id for the packet-in meter (default 1). */
  meterId?: number;
}

export interface HygienePlan {
  tableMissFlows: DesiredFlow[];
  /** Sent before the first flows (OF1.3 only). */
  meters: MeterModBody[];
  /** Meter that controller-bound flows must use (OF1.3 only). */
  controllerMeterId?: number;
  /** ovs-vsctl argument lists to run on the switch's host. */
  ovsCommands: string[][];
}

/** OVS refuses a controller rate limit below these. */
const OVS_MIN_RATE = 100;
const OVS_MIN_BURST = 25;

export function hygienePlan(opts: HygieneOptions): HygienePlan {
  const rate = opts.packetInRate ?? 100;
  const burst = opts.packetInBurst ?? 50;
  const tables = opts.version === OFP13_VERSION ? [...new Set(opts.tables)].sort((a, b) => a - b) : [0];
  const tableMissFlows: DesiredFlow[] = tables.map((tableId) => ({
    stage: 'table-miss',
    tableId,
    priority: 0,
    match: {},
    instructions: [],
    cookie: opts.cookie,
  }));
  const ovsCommands: string[][] = [];
  if (opts.bridge !== undefined) {
    ovsCommands.push(['ovs-vsctl', 'set-fail-mode', opts.bridge, 'secure']);
    ovsCommands.push([
      'ovs-vsctl',
      'set',
      'controller',
      opts.bridge,
      `controller_rate_limit=${Math.max(rate, OVS_MIN_RATE)}`,
      `controller_burst_limit=${Math.max(burst, OVS_MIN_BURST)}`,
    ]);
  }
  if (opts.version !== OFP13_VERSION) return { tableMissFlows, meters: [], ovsCommands };
  const meterId = opts.meterId ?? 1;
  const meter: MeterModBody = {
    type: 'meterMod',
    command: 'add',
    flags: MeterFlags.PKTPS | MeterFlags.BURST | MeterFlags.STATS,
    meterId,
    bands: [{ type: 'drop', rate, burstSize: burst }],
  };
  return { tableMissFlows, meters: [meter], controllerMeterId: meterId, ovsCommands };
}

function sendsToController(instructions: readonly Instruction[]): boolean {
  return instructions.some(
    (i) => (i.type === 'applyActions' || i.type === 'writeActions') && i.actions.some((a) => a.type === 'output' && a.port === Port.CONTROLLER),
  );
}

/**
 * Put every flow that sends to the controller behind the packet-in meter (a
 * flow that already names a meter, or is marked unmetered, is left as it is). Without a meter (OF1.0,
 * whose plan has none) the flows are unchanged.
 */
export function meterControllerFlows(flows: readonly DesiredFlow[], meterId: number | undefined): DesiredFlow[] {
  if (meterId === undefined) return [...flows];
  return flows.map((f) =>
    sendsToController(f.instructions) && !f.unmetered && !f.instructions.some((i) => i.type === 'meter')
      ? { ...f, instructions: [{ type: 'meter', meterId }, ...f.instructions] }
      : f,
  );
}
