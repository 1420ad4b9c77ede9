// A switch's own flows, groups and meters, which depend on the fabric and on
// no network: the discovery traps, what enters from fabric ports, the labels
// it carries for others (and the frames neighbours send back to it), the
// per-switch guards, the groups, the meters and the table-miss drops. Each
// comes as a named piece with a signature of its inputs, so the compiler
// re-lowers only the pieces whose inputs changed.
import { BROADCAST, ETH_ARP, ETH_IPV4, ETH_IPV6, ICMPV6_NA, ICMPV6_NS, ICMPV6_RA, ICMPV6_REDIRECT, IPPROTO_ICMPV6, IPPROTO_UDP } from '../openflow/ethernet.js';
import { MeterFlags, type Action, type Bucket, type GroupType, type Instruction, type Match } from '../openflow/flow-model.js';
import { VID_PRESENT } from '../openflow/wire-values.js';
import { cookieFor } from './cookie.js';
import { DETOUR_PCP, portMeterOf, SWITCH_METER } from './fabric.js';
import { fabricProbeTrapFlow, LLDP_TRAP_PRIORITY, LLDP_TRAP_PRIORITY_13, lldpTrapFlow } from './lldp-trap.js';
import { DHCPV6_SERVER_PORT } from './lower13.js';
import { P10, P13 } from './priorities.js';
import { OF13_TABLES, tableOf } from './pipeline.js';
import { egressAction, targetKey, type Remote, type SwitchCtx } from './targets.js';
import type { Piece } from './piece-store.js';
import type { SentBack } from './switch-groups.js';
import type { DesiredFlow, DesiredMeter } from './types.js';


export interface MeterRates {
  /** The switch's own meter (discovery's general trap), packets per second and burst. */
  switch: { rate: number; burst: number };
  /** Each access port's meter, shared by the controller-bound flows of what is bound there. */
  port: { rate: number; burst: number };
}

export const DEFAULT_METER_RATES: MeterRates = { switch: { rate: 100, burst: 50 }, port: { rate: 50, burst: 50 } };

/** What the switch pieces read beyond the switch context. */
export interface SwitchInputs {
  /** Ports that are no link end, ascending. */
  accessPorts: readonly number[];
  /** Destinations this switch forwards for others: their label and how it goes on (a remote target). */
  transit: readonly Remote[];
  /** The groups this switch needs (OF1.3 with groups): SELECT per distinct port set, FAST_FAILOVER per lone next hop that sends back. */
  groups: readonly { groupId: number; groupType: GroupType; buckets: Bucket[] }[];
  /**
   * Where an unmarked frame with a label this switch does not carry goes (a
   * neighbour sent it back): by the port it came in on, the fabric port it
   * leaves by. Empty where the switch sends nothing up again
   * (switch-groups.ts, sendsUpAgain and sentUpAgain).
   */
  sentBack: readonly SentBack[];
  rates: MeterRates;
}

const NO_INPUTS: readonly unknown[] = [];

const meter = (meterId: number, r: { rate: number; burst: number }): DesiredMeter => ({
  meterId,
  flags: MeterFlags.PKTPS | MeterFlags.BURST | MeterFlags.STATS,
  bands: [{ type: 'drop', rate: r.rate, burstSize: r.burst }],
});

export function switchPieces(ctx: SwitchCtx, inp: SwitchInputs): Map<string, Piece> {
  return ctx.of13 ? pieces13(ctx, inp) : pieces10(ctx, inp);
}

function pieces13(ctx: SwitchCtx, inp: SwitchInputs): Map<string, Piece> {
  const d = ctx.dpid;
  const c = cookieFor('switch', d);
  const out = new Map<string, Piece>();
  const flow = (stage: string, priority: number, match: Match, instructions: Instruction[]): DesiredFlow => ({ stage, tableId: tableOf(stage), priority, match, instructions, cookie: c });
  const switchMeter = ctx.meters ? SWITCH_METER : undefined;
  out.set('trap', { sig: [switchMeter], build: () => ({ flows: [lldpTrapFlow(d, LLDP_TRAP_PRIORITY_13, switchMeter)] }) });
  const hasAccess = inp.accessPorts.length > 0;
  for (const p of ctx.fabricPorts) {
    if (hasAccess) out.set(`trap:${p}`, { sig: NO_INPUTS, build: () => ({ flows: [fabricProbeTrapFlow(d, p)] }) });
    out.set(`fabric:${p}`, { sig: NO_INPUTS, build: () => ({ flows: [flow('port-security', P13.portSecurity, { inPort: p, vlanVid: { value: VID_PRESENT, mask: VID_PRESENT } }, [{ type: 'gotoTable', tableId: tableOf('transit') }])] }) });
  }
  if (ctx.label !== undefined && ctx.fabricPorts.length) {
    const l = ctx.label;
    out.set('self', { sig: [l], build: () => ({ flows: [flow('transit', P13.transitSelf, { vlanVid: VID_PRESENT | l }, [{ type: 'applyActions', actions: [{ type: 'popVlan' }] }, { type: 'gotoTable', tableId: tableOf('egress') }])] }) });
  }
  for (const t of inp.transit) {
    out.set(`transit:${t.label}`, {
      sig: [targetKey(t)],
      build: () => ({ flows: [flow('transit', P13.transit, { vlanVid: VID_PRESENT | t.label }, [{ type: 'applyActions', actions: [egressAction(t)] }])] }),
    });
  }
  for (const b of inp.sentBack) {
    const inPort = b.inPort;
    out.set(`sent-back:${inPort ?? 'any'}`, {
      sig: [b.hop],
      build: () => ({
        flows: [
          flow('transit', inPort !== undefined ? P13.sentBackOnPort : P13.sentBack, { ...(inPort !== undefined ? { inPort } : {}), vlanVid: { value: VID_PRESENT, mask: VID_PRESENT }, vlanPcp: 0 }, [
            { type: 'applyActions', actions: [{ type: 'setField', field: 'vlanPcp', value: DETOUR_PCP }, { type: 'output', port: b.hop }] },
          ]),
        ],
      }),
    });
  }
  for (const g of inp.groups) {
    out.set(`group:${g.groupId}`, { sig: [g.groupType, g.buckets], build: () => ({ flows: [], groups: [{ groupId: g.groupId, groupType: g.groupType, buckets: g.buckets }] }) });
  }
  if (hasAccess) {
    // Guards that hold for every endpoint of the switch; the endpoints allowed past them have their own flows above.
    out.set('guards', {
      sig: NO_INPUTS,
      build: () => ({
        flows: [
          flow('address-security', P13.arpBroadcastDrop, { ethDst: BROADCAST, ethType: ETH_ARP }, []),
          flow('address-security', P13.raDrop, { ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_RA }, []),
          flow('address-security', P13.raDrop, { ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_REDIRECT }, []),
          flow('address-security', P13.ndDrop, { ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NS }, []),
          flow('address-security', P13.ndDrop, { ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NA }, []),
          flow('address-security', P13.dhcpGuard, { ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpSrc: 67 }, []),
          flow('address-security', P13.dhcpGuard, { ethType: ETH_IPV6, ipProto: IPPROTO_UDP, udpSrc: DHCPV6_SERVER_PORT }, []),
          // DHCP requests reach the network's server only: those its flows above do not take are dropped.
          flow('forward', P13.dhcpOther, { ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, []),
          flow('forward', P13.dhcpOther, { ethType: ETH_IPV6, ipProto: IPPROTO_UDP, udpDst: DHCPV6_SERVER_PORT }, []),
        ],
      }),
    });
  }
  if (ctx.meters) {
    const r = inp.rates;
    out.set('meter', { sig: [r.switch.rate, r.switch.burst], build: () => ({ flows: [], meters: [meter(SWITCH_METER, r.switch)] }) });
    for (const p of inp.accessPorts) out.set(`meter:${p}`, { sig: [r.port.rate, r.port.burst], build: () => ({ flows: [], meters: [meter(portMeterOf(p), r.port)] }) });
  }
  out.set('misses', { sig: NO_INPUTS, build: () => ({ flows: OF13_TABLES.map((t) => ({ stage: 'table-miss', tableId: t, priority: 0, match: {}, instructions: [], cookie: c })) }) });
  return out;
}

function pieces10(ctx: SwitchCtx, inp: SwitchInputs): Map<string, Piece> {
  const d = ctx.dpid;
  const c = cookieFor('switch', d);
  const out = new Map<string, Piece>();
  const flow = (stage: string, priority: number, match: Match, actions: Action[]): DesiredFlow => ({
    stage,
    tableId: 0,
    priority,
    match,
    instructions: actions.length ? [{ type: 'applyActions', actions }] : [],
    cookie: c,
  });
  out.set('trap', { sig: NO_INPUTS, build: () => ({ flows: [lldpTrapFlow(d, LLDP_TRAP_PRIORITY)] }) });
  for (const p of inp.accessPorts) out.set(`guard:${p}`, { sig: NO_INPUTS, build: () => ({ flows: [flow('port-guard', P10.portGuard, { inPort: p }, [])] }) });
  // On a switch with access ports, tagged frames are taken from fabric ports only: a port the
  // compiler has not seen yet (a new tap, or any port while the controller is away) stays closed.
  const guarded = inp.accessPorts.length > 0;
  const ins = guarded ? ctx.fabricPorts : [undefined];
  for (const t of inp.transit) {
    const hop = t.hop!;
    out.set(`transit:${t.label}`, {
      sig: [hop, ...ins],
      build: () => ({ flows: ins.filter((p) => p !== hop).map((p) => flow('fabric', P10.transit, { ...(p !== undefined ? { inPort: p } : {}), vlanVid: t.label }, [{ type: 'output', port: hop }])) }),
    });
  }
  out.set('misses', { sig: NO_INPUTS, build: () => ({ flows: [{ stage: 'table-miss', tableId: 0, priority: 0, match: {}, instructions: [], cookie: c }] }) });
  return out;
}
