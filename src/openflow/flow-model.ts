// What a switch's tables hold, version-independent: matches, actions,
// instructions, flow-mod flags, group buckets and meter bands.

/** A field value with an optional mask (bits set in the mask are compared). */
export interface Masked<T> {
  value: T;
  mask?: T;
}
export type MaybeMasked<T> = T | Masked<T>;

/**
 * A flow match. MAC addresses are "aa:bb:cc:dd:ee:ff" (lower case on decode),
 * IPv4 and IPv6 addresses in their usual text form (IPv6 compressed, lower case
 * on decode). Absent fields are wildcarded. Prerequisites (ethType before IP
 * fields, ipProto before ports, ...) are the caller's to include; the OF1.3
 * encoder rejects a match that misses one (BAD_OXM_PREREQ).
 *
 * OF1.0 carries only: inPort, ethSrc, ethDst, vlanVid, vlanPcp, ethType, ipDscp,
 * ipProto, ipv4Src/ipv4Dst (prefix masks only), tcp/udp ports and ICMPv4
 * type/code, and for ARP (ethType 0x0806) arpOp, arpSpa and arpTpa.
 */
export interface Match {
  inPort?: number;
  inPhyPort?: number;
  metadata?: MaybeMasked<bigint>;
  ethDst?: MaybeMasked<string>;
  ethSrc?: MaybeMasked<string>;
  ethType?: number;
  /** OF1.3: 12-bit VID | VID_PRESENT, or 0 for "no tag". OF1.0: dl_vlan (0xffff = no tag). */
  vlanVid?: MaybeMasked<number>;
  vlanPcp?: number;
  ipDscp?: number;
  ipEcn?: number;
  ipProto?: number;
  ipv4Src?: MaybeMasked<string>;
  ipv4Dst?: MaybeMasked<string>;
  tcpSrc?: number;
  tcpDst?: number;
  udpSrc?: number;
  udpDst?: number;
  sctpSrc?: number;
  sctpDst?: number;
  icmpv4Type?: number;
  icmpv4Code?: number;
  arpOp?: number;
  arpSpa?: MaybeMasked<string>;
  arpTpa?: MaybeMasked<string>;
  arpSha?: MaybeMasked<string>;
  arpTha?: MaybeMasked<string>;
  ipv6Src?: MaybeMasked<string>;
  ipv6Dst?: MaybeMasked<string>;
  ipv6Flabel?: MaybeMasked<number>;
  icmpv6Type?: number;
  icmpv6Code?: number;
  ipv6NdTarget?: string;
  ipv6NdSll?: string;
  ipv6NdTll?: string;
  mplsLabel?: number;
  mplsTc?: number;
  mplsBos?: number;
  pbbIsid?: MaybeMasked<number>;
  tunnelId?: MaybeMasked<bigint>;
  ipv6Exthdr?: MaybeMasked<number>;
}
export type MatchField = keyof Match;

/**
 * Actions. `output`, `group`, `setQueue`, `pushVlan`, `popVlan`, `setField`,
 * `decNwTtl` and the TTL actions are OF1.3; `output`, `enqueue`, `stripVlan`
 * and the `set*` rewrites are OF1.0. The OF1.3 encoder accepts the OF1.0
 * rewrites by turning them into set-field; the OF1.0 encoder accepts a
 * set-field on a field that an OF1.0 rewrite covers. Anything else that the
 * version lacks is UNSUPPORTED.
 */
export type Action =
  | { type: 'output'; port: number; maxLen?: number }
  | { type: 'group'; groupId: number }
  | { type: 'setQueue'; queueId: number }
  | { type: 'enqueue'; port: number; queueId: number }
  | { type: 'pushVlan'; ethertype: number }
  | { type: 'popVlan' }
  | { type: 'pushMpls'; ethertype: number }
  | { type: 'popMpls'; ethertype: number }
  | { type: 'stripVlan' }
  | { type: 'setField'; field: MatchField; value: string | number | bigint }
  | { type: 'setVlanVid'; vid: number }
  | { type: 'setVlanPcp'; pcp: number }
  | { type: 'setDlSrc'; mac: string }
  | { type: 'setDlDst'; mac: string }
  | { type: 'setNwSrc'; ip: string }
  | { type: 'setNwDst'; ip: string }
  | { type: 'setNwTos'; tos: number }
  | { type: 'setTpSrc'; port: number }
  | { type: 'setTpDst'; port: number }
  | { type: 'decNwTtl' }
  | { type: 'setNwTtl'; ttl: number }
  | { type: 'experimenter'; experimenter: number; data: Uint8Array };

/** OF1.3 instructions. An OF1.0 flow carries exactly zero or one applyActions. */
export type Instruction =
  | { type: 'gotoTable'; tableId: number }
  | { type: 'writeMetadata'; metadata: bigint; mask: bigint }
  | { type: 'applyActions'; actions: Action[] }
  | { type: 'writeActions'; actions: Action[] }
  | { type: 'clearActions' }
  | { type: 'meter'; meterId: number };

export type FlowModCommand = 'add' | 'modify' | 'modifyStrict' | 'delete' | 'deleteStrict';

/** Flow-mod flags as booleans; absent means false. */
export interface FlowModFlags {
  sendFlowRem?: boolean;
  checkOverlap?: boolean;
  /** OF1.0 only. */
  emerg?: boolean;
  /** OF1.3 only. */
  resetCounts?: boolean;
  noPktCounts?: boolean;
  noBytCounts?: boolean;
}

export type GroupType = 'all' | 'select' | 'indirect' | 'ff';
export interface Bucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}
export type MeterBand =
  | { type: 'drop'; rate: number; burstSize: number }
  | { type: 'dscpRemark'; rate: number; burstSize: number; precLevel: number }
  | { type: 'experimenter'; rate: number; burstSize: number; experimenter: number };
export const MeterFlags = { KBPS: 1, PKTPS: 2, BURST: 4, STATS: 8 } as const;
