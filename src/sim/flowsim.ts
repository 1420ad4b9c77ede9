// A flow-table simulator (tests and `spotlight trace`): OpenFlow semantics only (priorities,
// masks, goto-table, metadata, meters (passed), apply-actions, set-field, push/pop VLAN and
// MPLS, groups (ALL: every bucket; SELECT: one live bucket chosen by a hash of the frame, as
// a switch spreads flows; FAST_FAILOVER: the first live bucket), output to ports, IN_PORT and
// CONTROLLER), nothing about Spotlight's stages. It carries a frame switch by switch across
// the fabric links and reports where copies were delivered and what reached the controller.
// A link cut with cutLink() takes its two ports down as a switch sees them: what is sent
// there is lost, and the buckets watching them are dead; the flows stay as they are.
import { OFP10_VLAN_NONE } from '../openflow/of10/constants.js';
import { GROUP_ANY, OFP10_VERSION, OFP13_VERSION, Port, VID_PRESENT } from '../openflow/wire-values.js';
import { type Action, type Bucket, type GroupType, type Instruction, type Match, type MaybeMasked } from '../openflow/flow-model.js';
import { parse, popMpls, popVlan, pushMpls, pushVlan, setEthDst, setMpls, setVlan, setVlanPcp, v6Bytes, type Fields } from './packets.js';

export interface SimFlow {
  tableId: number;
  priority: number;
  match: Match;
  instructions: Instruction[];
}

export interface SimSwitch {
  dpid: string;
  /** 1 (OF1.0) or 4 (OF1.3): decides how vlanVid matches and actions read. */
  version: number;
  flows: SimFlow[];
  groups?: readonly SimGroup[];
}

export interface SimGroup {
  groupId: number;
  groupType: GroupType;
  buckets: Bucket[];
}

export interface SimLink {
  a: { dpid: string; portNo: number };
  b: { dpid: string; portNo: number };
}

export interface Delivery {
  dpid: string;
  port: number;
  frame: Uint8Array;
}

export interface SimResult {
  delivered: Delivery[];
  controller: { dpid: string; inPort: number; frame: Uint8Array }[];
  /** Hop limit reached: forwarding looped. */
  looped: boolean;
}

/** One table lookup, reported to an observer: the flow that matched, or none (a miss). */
export interface SimStep {
  dpid: string;
  inPort: number;
  tableId: number;
  /** The matched flow object as given to the constructor (its extra fields, e.g. stage, come along). */
  flow: SimFlow | undefined;
  /** Ports this flow's actions output to, in order (after IN_PORT is resolved, CONTROLLER as Port.CONTROLLER). */
  outputs: number[];
}

const MAX_HOPS = 64;

export class FlowSim {
  private readonly tables = new Map<string, Map<number, SimFlow[]>>();
  private readonly versions = new Map<string, number>();
  private readonly groups = new Map<string, Map<number, SimGroup>>();
  private readonly peers = new Map<string, { dpid: string; portNo: number }>();
  /** Ports that are down ("dpid:port"). */
  private readonly down = new Set<string>();

  constructor(switches: Iterable<SimSwitch>, links: Iterable<SimLink>) {
    for (const sw of switches) {
      const t = new Map<number, SimFlow[]>();
      for (const f of sw.flows) {
        let l = t.get(f.tableId);
        if (!l) t.set(f.tableId, (l = []));
        l.push(f);
      }
      for (const l of t.values()) l.sort((x, y) => y.priority - x.priority);
      this.tables.set(sw.dpid, t);
      this.versions.set(sw.dpid, sw.version);
      this.groups.set(sw.dpid, new Map((sw.groups ?? []).map((g) => [g.groupId, g])));
    }
    for (const l of links) {
      this.peers.set(`${l.a.dpid}:${l.a.portNo}`, l.b);
      this.peers.set(`${l.b.dpid}:${l.b.portNo}`, l.a);
    }
  }

  /** Takes a link's two ports down, as a cut cable does; the flows and groups stay as they were. */
  cutLink(l: SimLink): void {
    this.down.add(`${l.a.dpid}:${l.a.portNo}`);
    this.down.add(`${l.b.dpid}:${l.b.portNo}`);
  }

  /** Sees every table lookup; watching changes nothing about what the simulation does. */
  observer: ((step: SimStep) => void) | undefined;

  run(dpid: string, inPort: number, frame: Uint8Array): SimResult {
    const res: SimResult = { delivered: [], controller: [], looped: false };
    const queue: { dpid: string; inPort: number; frame: Uint8Array; hops: number }[] = [{ dpid, inPort, frame, hops: 0 }];
    while (queue.length) {
      const job = queue.shift()!;
      if (job.hops > MAX_HOPS) {
        res.looped = true;
        continue;
      }
      for (const out of this.process(job.dpid, job.inPort, job.frame)) {
        if (out.port === Port.CONTROLLER) {
          res.controller.push({ dpid: job.dpid, inPort: job.inPort, frame: out.frame });
          continue;
        }
        const port = out.port === Port.IN_PORT ? job.inPort : out.port;
        if (out.port !== Port.IN_PORT && port === job.inPort) continue; // OpenFlow never sends back out the ingress port implicitly
        if (this.down.has(`${job.dpid}:${port}`)) continue; // lost on a dead port
        const peer = this.peers.get(`${job.dpid}:${port}`);
        if (peer) queue.push({ dpid: peer.dpid, inPort: peer.portNo, frame: out.frame, hops: job.hops + 1 });
        else res.delivered.push({ dpid: job.dpid, port, frame: out.frame });
      }
      if (res.delivered.length + res.controller.length > 10_000) {
        res.looped = true;
        break;
      }
    }
    return res;
  }

  /** One switch: the pipeline from table 0; returns the outputs in order. */
  private process(dpid: string, inPort: number, input: Uint8Array): { port: number; frame: Uint8Array }[] {
    const tables = this.tables.get(dpid);
    const version = this.versions.get(dpid) ?? OFP13_VERSION;
    const outs: { port: number; frame: Uint8Array }[] = [];
    if (!tables) return outs;
    let frame = input;
    let metadata = 0n;
    let table = 0;
    for (let guard = 0; guard < 256; guard++) {
      const fields = parse(frame);
      const flow = (tables.get(table) ?? []).find((f) => matches(f.match, fields, inPort, metadata, version));
      if (!flow) {
        this.observer?.({ dpid, inPort, tableId: table, flow: undefined, outputs: [] });
        return outs;
      }
      const before = outs.length;
      let next: number | undefined;
      for (const ins of flow.instructions) {
        if (ins.type === 'applyActions') frame = applyActions(ins.actions, frame, version, outs, { groups: this.groups.get(dpid)!, live: (p) => !this.down.has(`${dpid}:${p}`) });
        else if (ins.type === 'writeMetadata') metadata = (metadata & ~ins.mask) | (ins.metadata & ins.mask);
        else if (ins.type === 'gotoTable') next = ins.tableId;
      }
      this.observer?.({ dpid, inPort, tableId: table, flow, outputs: outs.slice(before).map((o) => (o.port === Port.IN_PORT ? inPort : o.port)) });
      if (next === undefined || next <= table) return outs;
      table = next;
    }
    return outs;
  }
}

/** What a switch's actions see beyond the frame: its groups, and whether a port is up. */
interface SwitchState {
  groups: ReadonlyMap<number, SimGroup>;
  live(port: number): boolean;
}

function applyActions(actions: readonly Action[], input: Uint8Array, version: number, outs: { port: number; frame: Uint8Array }[], sw: SwitchState, depth = 0): Uint8Array {
  let frame = input;
  for (const a of actions) {
    switch (a.type) {
      case 'output':
        outs.push({ port: a.port, frame });
        break;
      case 'group': {
        // A missing group drops what reaches it (a switch refuses such a flow; here it shows as a drop).
        const g = sw.groups.get(a.groupId);
        if (!g || depth > 8) break;
        // Each bucket works on its own copy of the frame.
        for (const b of chosenBuckets(g, frame, (b) => bucketLive(b, sw, depth))) applyActions(b.actions, frame, version, outs, sw, depth + 1);
        break;
      }
      case 'pushMpls':
        frame = pushMpls(frame, a.ethertype);
        break;
      case 'popMpls':
        frame = popMpls(frame, a.ethertype);
        break;
      case 'setDlDst':
        frame = setEthDst(frame, a.mac);
        break;
      case 'pushVlan': {
        // OF1.3: a new outer tag copies the VID of an existing tag, else 0.
        const f = parse(frame);
        frame = pushVlan(frame, f.vlans[0] ?? 0);
        break;
      }
      case 'popVlan':
      case 'stripVlan':
        frame = popVlan(frame);
        break;
      case 'setVlanVid':
        frame = setVlan(frame, a.vid);
        break;
      case 'setField':
        if (a.field === 'vlanVid') {
          if (parse(frame).vlans.length) frame = setVlan(frame, Number(a.value) & 0xfff);
        } else if (a.field === 'vlanPcp') frame = setVlanPcp(frame, Number(a.value));
        else if (a.field === 'ethDst') frame = setEthDst(frame, String(a.value));
        else if (a.field === 'mplsLabel') frame = setMpls(frame, 'label', Number(a.value));
        else if (a.field === 'mplsTc') frame = setMpls(frame, 'tc', Number(a.value));
        else throw new Error(`flowsim: set-field ${a.field} not modelled`);
        break;
      default:
        throw new Error(`flowsim: action ${a.type} not modelled (version ${version})`);
    }
  }
  return frame;
}

/** The buckets a group runs for a frame: ALL every one; SELECT one live bucket by the frame's hash; FAST_FAILOVER the first live one. */
function chosenBuckets(g: SimGroup, frame: Uint8Array, live: (b: Bucket) => boolean): Bucket[] {
  if (g.groupType === 'all') return g.buckets;
  if (g.groupType === 'ff') {
    const first = g.buckets.find(live);
    return first ? [first] : [];
  }
  const alive = g.buckets.filter(live);
  return alive.length ? [alive[frameHash(frame) % alive.length]!] : [];
}

/** A bucket is live when it watches nothing, or a watched port is up, or a watched group has a live bucket (OpenFlow 1.3, 5.8). */
function bucketLive(b: Bucket, sw: SwitchState, depth: number): boolean {
  const watchesPort = b.watchPort !== Port.ANY;
  const watchesGroup = b.watchGroup !== GROUP_ANY;
  if (!watchesPort && !watchesGroup) return true;
  if (watchesPort && sw.live(b.watchPort)) return true;
  const group = watchesGroup ? sw.groups.get(b.watchGroup) : undefined;
  return group !== undefined && depth < 8 && group.buckets.some((x) => bucketLive(x, sw, depth + 1));
}

/** FNV-1a over the frame: which bucket of a SELECT group a frame takes. */
function frameHash(frame: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of frame) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

function bytesOf(kind: 'mac' | 'v4' | 'v6', text: string): number[] {
  if (kind === 'mac') return text.split(':').map((h) => parseInt(h, 16));
  if (kind === 'v4') return text.split('.').map(Number);
  return v6Bytes(text);
}

function maskedEq(kind: 'mac' | 'v4' | 'v6', want: MaybeMasked<string>, have: string | undefined): boolean {
  if (have === undefined) return false;
  const value = typeof want === 'string' ? want : want.value;
  const mask = typeof want === 'string' ? undefined : want.mask;
  const v = bytesOf(kind, value);
  const h = bytesOf(kind, have);
  const m = mask === undefined ? v.map(() => 0xff) : bytesOf(kind, mask);
  return v.every((x, i) => (x & m[i]!) === (h[i]! & m[i]!));
}

function numEq(want: number | undefined, have: number | undefined): boolean {
  return want === undefined || want === have;
}

export function matches(m: Match, f: Fields, inPort: number, metadata: bigint, version: number): boolean {
  if (m.inPort !== undefined && m.inPort !== inPort) return false;
  if (m.metadata !== undefined) {
    const value = typeof m.metadata === 'bigint' ? m.metadata : m.metadata.value;
    const mask = typeof m.metadata === 'bigint' ? (1n << 64n) - 1n : (m.metadata.mask ?? (1n << 64n) - 1n);
    if ((metadata & mask) !== (value & mask)) return false;
  }
  if (m.ethSrc !== undefined && !maskedEq('mac', m.ethSrc, f.ethSrc)) return false;
  if (m.ethDst !== undefined && !maskedEq('mac', m.ethDst, f.ethDst)) return false;
  if (m.vlanVid !== undefined) {
    const outer = f.vlans[0];
    if (version === OFP10_VERSION) {
      const want = typeof m.vlanVid === 'number' ? m.vlanVid : m.vlanVid.value;
      if (want === OFP10_VLAN_NONE ? outer !== undefined : outer !== want) return false;
    } else {
      const value = typeof m.vlanVid === 'number' ? m.vlanVid : m.vlanVid.value;
      const mask = typeof m.vlanVid === 'number' ? 0x1fff : (m.vlanVid.mask ?? 0x1fff);
      const have = outer === undefined ? 0 : VID_PRESENT | outer;
      if ((have & mask) !== (value & mask)) return false;
    }
  }
  if (m.vlanPcp !== undefined && (f.vlans.length === 0 || f.vlanPcp !== m.vlanPcp)) return false;
  if (!numEq(m.ethType, f.ethType)) return false;
  if (!numEq(m.ipProto, f.ipProto)) return false;
  if (!numEq(m.udpSrc, f.udpSrc) || !numEq(m.udpDst, f.udpDst)) return false;
  if (!numEq(m.arpOp, f.arpOp)) return false;
  if (!numEq(m.icmpv6Type, f.icmpv6Type) || !numEq(m.icmpv6Code, f.icmpv6Code)) return false;
  if (m.ipv4Src !== undefined && !maskedEq('v4', m.ipv4Src, f.ipv4Src)) return false;
  if (m.ipv4Dst !== undefined && !maskedEq('v4', m.ipv4Dst, f.ipv4Dst)) return false;
  if (m.arpSpa !== undefined && !maskedEq('v4', m.arpSpa, f.arpSpa)) return false;
  if (m.arpTpa !== undefined && !maskedEq('v4', m.arpTpa, f.arpTpa)) return false;
  if (m.arpSha !== undefined && !maskedEq('mac', m.arpSha, f.arpSha)) return false;
  if (m.arpTha !== undefined && !maskedEq('mac', m.arpTha, f.arpTha)) return false;
  if (m.ipv6Src !== undefined && !maskedEq('v6', m.ipv6Src, f.ipv6Src)) return false;
  if (m.ipv6Dst !== undefined && !maskedEq('v6', m.ipv6Dst, f.ipv6Dst)) return false;
  if (m.ipv6NdTarget !== undefined && !maskedEq('v6', m.ipv6NdTarget, f.ndTarget)) return false;
  if (m.ipv6NdSll !== undefined && !maskedEq('mac', m.ipv6NdSll, f.ndSll)) return false;
  if (m.ipv6NdTll !== undefined && !maskedEq('mac', m.ipv6NdTll, f.ndTll)) return false;
  if (!numEq(m.mplsLabel, f.mplsLabel) || !numEq(m.mplsTc, f.mplsTc)) return false;
  for (const k of Object.keys(m) as (keyof Match)[]) {
    if (m[k] !== undefined && !MODELLED.has(k)) throw new Error(`flowsim: match field ${k} not modelled`);
  }
  return true;
}

const MODELLED = new Set<keyof Match>(['inPort', 'metadata', 'ethSrc', 'ethDst', 'vlanVid', 'vlanPcp', 'ethType', 'ipProto', 'udpSrc', 'udpDst', 'arpOp', 'icmpv6Type', 'icmpv6Code', 'ipv4Src', 'ipv4Dst', 'arpSpa', 'arpTpa', 'arpSha', 'arpTha', 'ipv6Src', 'ipv6Dst', 'ipv6NdTarget', 'ipv6NdSll', 'ipv6NdTll', 'mplsLabel', 'mplsTc']);
