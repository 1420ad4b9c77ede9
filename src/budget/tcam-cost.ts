// What one flow costs in a switch's flow table, by budget profile.
//
// `flows`: one entry per flow (Open vSwitch, and any switch whose table
// counts flows).
//
// `pica8`: TCAM entries as PicOS counts them in its Open vSwitch mode. By
// default a flow takes 2 TCAM entries, whatever it matches (the TCAM row is
// wide enough for every matching tuple only as a pair). A switch set to a
// short match mode (`ovs-vsctl set-match-mode`) stores a flow in 1 entry
// when every field it matches belongs to one of the enabled modes' field
// groups, with the EtherType the group requires; any other flow still takes 2.
// The groups below are PicOS's, in its own names (mac, ip, arp_tpa, ...).
import type { Match, MatchField } from '../openflow/flow-model.js';
import { ETH_ARP, ETH_IPV4, ETH_IPV6 } from '../openflow/ethernet.js';

export type BudgetProfile = 'flows' | 'pica8';

/** TCAM entries a flow takes on a PicOS switch outside its short match modes. */
export const PICA8_DEFAULT_ENTRIES = 2;

interface MatchModeGroup {
  fields: readonly MatchField[];
  /** The EtherType every flow of the group matches, when the group fixes one. */
  ethType?: number;
}

const L4: readonly MatchField[] = ['tcpSrc', 'tcpDst', 'udpSrc', 'udpDst', 'sctpSrc', 'sctpDst'];
const MAC: MatchModeGroup = { fields: ['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'ethType'] };
const IP: MatchModeGroup = { fields: ['inPort', 'ipProto', 'ipv4Src', 'ipv4Dst', ...L4, 'ethType'], ethType: ETH_IPV4 };

/** PicOS's short match modes and the fields each allows (ovs-vsctl set-match-mode). */
export const PICA8_MATCH_MODES: Readonly<Record<string, MatchModeGroup>> = {
  mac: MAC,
  mac_x: MAC,
  ip: IP,
  ip_x: IP,
  ipv4_quintuple: { fields: ['inPort', 'vlanVid', 'ipv4Src', 'ipv4Dst', ...L4, 'ipProto', 'ethType'], ethType: ETH_IPV4 },
  arp_tpa: { fields: ['inPort', 'arpTpa', 'ethType'], ethType: ETH_ARP },
  arp_full: { fields: ['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'arpSpa', 'arpTpa', 'arpOp', 'ethType'], ethType: ETH_ARP },
  arp_min: { fields: ['inPort', 'arpSpa', 'arpTpa', 'arpOp', 'ethType'], ethType: ETH_ARP },
  l2l4: { fields: ['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'vlanPcp', 'ethType', 'ipProto', 'ipv4Src', 'ipv4Dst', 'ipDscp', ...L4] },
  ipv6_full: { fields: ['inPort', 'vlanVid', 'ipv6Src', 'ipv6Dst', 'ipv6Flabel', ...L4, 'ipProto', 'ethType'], ethType: ETH_IPV6 },
  ipv6_src: { fields: ['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'ipv6Src', 'ipv6Flabel', 'ipProto', 'ethType'], ethType: ETH_IPV6 },
  ipv6_dst: { fields: ['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'ipv6Dst', 'ipv6Flabel', 'ipProto', 'ethType'], ethType: ETH_IPV6 },
};

export const PICA8_MATCH_MODE_NAMES: readonly string[] = Object.keys(PICA8_MATCH_MODES);

/** How a switch's flows are counted against its budget. */
export interface CostRule {
  profile: BudgetProfile;
  /** pica8: the short match modes the switch has enabled (none: every flow takes 2 entries). */
  matchModes: readonly string[];
}

/** Table entries one flow with this match takes under `rule`. */
export function flowCost(rule: CostRule, match: Match): number {
  if (rule.profile === 'flows') return 1;
  for (const name of rule.matchModes) {
    const group = PICA8_MATCH_MODES[name];
    if (group && fitsGroup(match, group)) return 1;
  }
  return PICA8_DEFAULT_ENTRIES;
}

function fitsGroup(match: Match, group: MatchModeGroup): boolean {
  for (const field of Object.keys(match) as MatchField[]) {
    if (match[field] === undefined) continue;
    if (!group.fields.includes(field)) return false;
  }
  return group.ethType === undefined || match.ethType === group.ethType;
}
