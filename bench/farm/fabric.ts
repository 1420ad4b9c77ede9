// The farm: aggregation and edge bridges, each edge cabled to each
// aggregation bridge, every bridge connected to the controller from its own
// loopback address. A PACKET_OUT leaves by the ports its actions name: out of
// a cabled port the frame enters the bridge at the far end, whose flow table
// decides whether it goes to the controller (so discovery finds the fabric
// through the trap flows, as on Open vSwitch); out of a VM's port an ARP reply
// reaches the VM and is checked against the request it answers. Frames a VM
// sends (ARP, gratuitous ARP, RARP) are handed to the controller as the trap
// flow's PACKET_IN, without a walk through the table and without the
// packet-in meter, so that what is measured is the controller.
import { NO_BUFFER, OFP10_VERSION, OFP13_VERSION, Port, type OfVersion } from '../../src/openflow/wire-values.js';
import { type PacketOut } from '../../src/openflow/message-model.js';
import { ArpTracker } from './arp-tracker.js';
import { SimBridge } from './bridge.js';
import { isLldp, packetFields } from './frames.js';
import { SwitchSession, type SessionCounters } from './session.js';

export interface FarmSpec {
  controller: { host: string; port: number };
  aggregation: number;
  edge: number;
  /** Share of the bridges (spread evenly by index) that speak only OpenFlow 1.0; the others only 1.3. */
  of10Share: number;
  /** Inactivity probe interval (Open vSwitch's default is 5 s). */
  probeMs?: number;
  /** Second octet of the bridges' loopback source addresses (127.N.x.y). */
  addressOctet?: number;
}

export interface FabricCounters {
  /** Frames a PACKET_OUT sent across a cable. */
  relayed: number;
  /** ... which the far bridge's flows sent to the controller. */
  relayedToController: number;
  /** ... which the far bridge's flows dropped. */
  relayedDropped: number;
  /** LLDP frames sent out of a VM's port (a VM ignores them). */
  lldpToAccessPorts: number;
  /** ARP replies the controller sent out of a VM's port. */
  arpRepliesToVms: number;
  packetInsSent: number;
  portStatusSent: number;
}

export interface SwitchInfo {
  name: string;
  dpid: string;
  role: 'aggregation' | 'edge';
  version: '1.0' | '1.3';
  address: string;
}

interface Member {
  info: SwitchInfo;
  bridge: SimBridge;
  session: SwitchSession;
  counters: FabricCounters;
  /** Whether a frame from a cable port reaches the controller, by port and source MAC, as of a table version. */
  verdicts: Map<string, { changes: number; toController: boolean; reason: number }>;
}

const AGG_DPID_BASE = 0xa00000n;
const EDGE_DPID_BASE = 0xe00000n;
/** PACKET_IN reasons. */
const OFPR_NO_MATCH = 0;
const OFPR_ACTION = 1;

export const dpidText = (d: bigint): string => d.toString(16).padStart(16, '0');

export class Farm {
  readonly members: Member[] = [];
  readonly arp: ArpTracker;
  private readonly byName = new Map<string, Member>();
  /** "member index/port" -> the far end. */
  private readonly cables = new Map<string, { member: Member; portNo: number }>();
  private clock: NodeJS.Timeout | undefined;

  constructor(spec: FarmSpec) {
    const total = spec.aggregation + spec.edge;
    const octet = spec.addressOctet ?? 11;
    for (let i = 0; i < total; i++) {
      const agg = i < spec.aggregation;
      const k = agg ? i : i - spec.aggregation;
      const name = agg ? `agg${k}` : `edge${k}`;
      const dpid = (agg ? AGG_DPID_BASE : EDGE_DPID_BASE) + BigInt(k + 1);
      const of10 = Math.floor((i + 1) * spec.of10Share) > Math.floor(i * spec.of10Share);
      const version: OfVersion = of10 ? OFP10_VERSION : OFP13_VERSION;
      const host = i + 1;
      const address = `127.${octet}.${host >> 8}.${host & 0xff}`;
      const bridge = new SimBridge(dpid, name, version);
      const member: Member = {
        info: { name, dpid: dpidText(dpid), role: agg ? 'aggregation' : 'edge', version: of10 ? '1.0' : '1.3', address },
        bridge,
        session: undefined as unknown as SwitchSession,
        counters: { relayed: 0, relayedToController: 0, relayedDropped: 0, lldpToAccessPorts: 0, arpRepliesToVms: 0, packetInsSent: 0, portStatusSent: 0 },
        verdicts: new Map(),
      };
      member.session = new SwitchSession(bridge, { host: spec.controller.host, port: spec.controller.port, localAddress: address, probeMs: spec.probeMs ?? 5000 }, (po) =>
        this.packetOut(member, po),
      );
      this.members.push(member);
      this.byName.set(name, member);
      this.byName.set(member.info.dpid, member);
    }
    // Every edge to every aggregation bridge: edge port k+1 <-> aggregation port j+1.
    const aggs = this.members.slice(0, spec.aggregation);
    const edges = this.members.slice(spec.aggregation);
    edges.forEach((e, j) =>
      aggs.forEach((a, k) => {
        const ep = e.bridge.addPort(`${e.info.name}-eth${k + 1}`).portNo;
        const ap = a.bridge.addPort(`${a.info.name}-eth${j + 1}`).portNo;
        this.cables.set(`${e.info.name}/${ep}`, { member: a, portNo: ap });
        this.cables.set(`${a.info.name}/${ap}`, { member: e, portNo: ep });
      }),
    );
    this.arp = new ArpTracker((name, portNo, frame) => this.sendFrom(name, portNo, frame));
  }

  start(): void {
    for (const m of this.members) m.session.connect();
    this.clock = setInterval(() => {
      const now = Date.now();
      for (const m of this.members) m.session.tick(now);
      this.arp.expire(now);
    }, 250);
  }

  stop(): void {
    clearInterval(this.clock);
    for (const m of this.members) m.session.stop();
  }

  switches(): SwitchInfo[] {
    return this.members.map((m) => m.info);
  }

  upCount(): number {
    return this.members.filter((m) => m.session.up).length;
  }

  member(nameOrDpid: string): Member {
    const m = this.byName.get(nameOrDpid);
    if (!m) throw new Error(`no switch ${nameOrDpid} in the farm`);
    return m;
  }

  /** A VM's port appears (PORT_STATUS add); its number. */
  addPort(sw: string, name: string): number {
    const m = this.member(sw);
    if (m.bridge.portByName(name)) throw new Error(`${sw} already has a port ${name}`);
    const desc = m.bridge.addPort(name);
    if (m.session.notify({ type: 'portStatus', reason: 0, desc })) m.counters.portStatusSent++;
    return desc.portNo;
  }

  /** A VM's port goes (PORT_STATUS delete); its number. */
  removePort(sw: string, name: string): number {
    const m = this.member(sw);
    const desc = m.bridge.removePort(name);
    if (!desc) throw new Error(`${sw} has no port ${name}`);
    if (m.session.notify({ type: 'portStatus', reason: 1, desc })) m.counters.portStatusSent++;
    return desc.portNo;
  }

  portNo(sw: string, name: string): number {
    const p = this.member(sw).bridge.portByName(name);
    if (!p) throw new Error(`${sw} has no port ${name}`);
    return p.portNo;
  }

  /** A frame a VM sends on its port, handed to the controller as its trap flow would. */
  sendFrom(sw: string, portNo: number, frame: Uint8Array): boolean {
    const m = this.member(sw);
    m.bridge.countRx(portNo);
    return this.packetIn(m, portNo, frame, OFPR_ACTION);
  }

  counters(m: Member): FabricCounters & SessionCounters & { flows: number; groups: number; meters: number; ports: number; up: boolean } {
    return {
      ...m.counters,
      ...m.session.counters,
      ...m.bridge.counters,
      flows: m.bridge.flows.size,
      groups: m.bridge.groups.size,
      meters: m.bridge.meters.size,
      ports: m.bridge.ports.size,
      up: m.session.up,
    };
  }

  private packetIn(m: Member, inPort: number, frame: Uint8Array, reason: number): boolean {
    // OF1.0 carries neither table nor cookie; on OF1.3 Open vSwitch gives the
    // flow's cookie, all ones when it has none to give.
    const of13 = m.bridge.version === OFP13_VERSION;
    const sent = m.session.notify({
      type: 'packetIn',
      bufferId: NO_BUFFER,
      totalLen: frame.length,
      reason,
      tableId: 0,
      cookie: of13 ? 0xffffffffffffffffn : 0n,
      match: of13 ? { inPort } : {},
      inPort,
      data: frame,
    });
    if (sent) m.counters.packetInsSent++;
    return sent;
  }

  private packetOut(m: Member, po: PacketOut): void {
    for (const a of po.actions) {
      if (a.type !== 'output') continue;
      if (a.port === Port.IN_PORT) this.deliver(m, po.inPort, po.data);
      else if (a.port === Port.FLOOD || a.port === Port.ALL) {
        for (const p of m.bridge.ports.keys()) if (p !== po.inPort && p !== Port.LOCAL) this.deliver(m, p, po.data);
      } else if (a.port < Port.MAX) this.deliver(m, a.port, po.data);
    }
  }

  /** A frame leaves bridge `m` by `portNo`. */
  private deliver(m: Member, portNo: number, frame: Uint8Array): void {
    if (!m.bridge.ports.has(portNo)) return;
    m.bridge.countTx(portNo);
    const far = this.cables.get(`${m.info.name}/${portNo}`);
    if (far) return this.enter(far.member, far.portNo, frame);
    if (isLldp(frame)) m.counters.lldpToAccessPorts++;
    else if (this.arp.delivered(m.info.name, portNo, frame)) m.counters.arpRepliesToVms++;
  }

  /** A frame enters bridge `m` on a cabled port: its flows decide whether the controller sees it. */
  private enter(m: Member, portNo: number, frame: Uint8Array): void {
    m.counters.relayed++;
    m.bridge.countRx(portNo);
    const key = `${portNo}/${Buffer.from(frame.subarray(6, 12)).toString('hex')}/${frame[12]}${frame[13]}`;
    let v = isLldp(frame) ? m.verdicts.get(key) : undefined;
    if (!v || v.changes !== m.bridge.flows.changes) {
      const miss = m.bridge.version === OFP10_VERSION ? 'controller' : 'drop';
      const fields = packetFields(frame, portNo, m.bridge.version);
      const outputs = m.bridge.flows.walk(fields, miss);
      const missed = m.bridge.flows.lookup(0, fields) === undefined;
      v = { changes: m.bridge.flows.changes, toController: outputs.includes('controller'), reason: missed ? OFPR_NO_MATCH : OFPR_ACTION };
      if (isLldp(frame)) m.verdicts.set(key, v);
    }
    if (!v.toController) {
      m.counters.relayedDropped++;
      return;
    }
    m.counters.relayedToController++;
    this.packetIn(m, portNo, frame, v.reason);
  }
}
