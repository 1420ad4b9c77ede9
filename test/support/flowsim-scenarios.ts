// Random small clouds for property tests: a recipe of small integers (which
// fast-check shrinks) turned into a model, a topology with loops and down
// links, and packets of every kind from bound and unbound senders.
import fc from 'fast-check';
import type { Gateway, ModelSnapshot, Network, Relation, Vm } from '../../src/model/types.js';
import type { Link, TopoPort, TopoSwitch, TopologySnapshot } from '../../src/topo/types.js';
import { arp, ethernet, icmpv6, ipv4, ipv6, nd, udp } from '../../src/sim/packets.js';

export const PACKET_KINDS = [
  'unicast4', 'unicast6', 'bcast4', 'bcast6', 'mcast6', 'dhcp-discover', 'dhcp-request', 'dhcp-offer', 'arp-request', 'arp-spoof-sha',
  'arp-spoof-spa', 'arp-probe', 'garp', 'arp-reply', 'rarp', 'spoof-mac', 'spoof-ip4', 'spoof-ip6', 'ra', 'ns', 'ns-bad-sll', 'na', 'na-bad-target',
  'na-bad-tll', 'tagged', 'lldp', 'unknown-dst', 'redirect',
] as const;
export type PacketKind = (typeof PACKET_KINDS)[number];

const nat = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max });

const placeArb = fc.record({ sw: nat(5), port: nat(4) });
export const recipeArb = fc.record({
  nSwitches: fc.integer({ min: 1, max: 6 }),
  chain: fc.boolean(),
  extraLinks: fc.array(fc.tuple(nat(5), nat(5)), { maxLength: 5 }),
  downLinks: fc.array(nat(10), { maxLength: 2 }),
  versionMode: fc.constantFrom('13', '10', 'mixed'),
  mixed: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  networks: fc.array(
    fc.record({ isPublic: fc.boolean(), tenant: nat(1), dhcp: nat(3), gateways: fc.array(placeArb, { maxLength: 2 }) }),
    { minLength: 1, maxLength: 3 },
  ),
  vms: fc.array(
    fc.record({
      tenant: nat(2),
      ifaces: fc.array(fc.record({ net: nat(2), at: placeArb, v6: fc.boolean() }), { minLength: 1, maxLength: 2 }),
      migrate: fc.option(fc.record({ at: placeArb, activated: fc.boolean() }), { nil: undefined }),
      unknownSwitch: fc.boolean(),
    }),
    { minLength: 1, maxLength: 7 },
  ),
  relations: fc.array(fc.tuple(nat(6), nat(6)), { maxLength: 3 }),
  packets: fc.array(fc.record({ sender: nat(30), kind: fc.constantFrom(...PACKET_KINDS), target: nat(30) }), { minLength: 4, maxLength: 10 }),
});
export type Recipe = typeof recipeArb extends fc.Arbitrary<infer T> ? T : never;

export const dpidOf = (i: number): string => (i + 1).toString(16).padStart(16, '0');
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

export interface Scenario {
  model: ModelSnapshot;
  topo: TopologySnapshot;
  versions: Map<string, number>;
  /** Every (switch, port, MAC) a frame may enter from, bound or not. */
  senders: { dpid: string; portNo: number; mac: string; ips: string[] }[];
  ipsByMac: Map<string, string[]>;
  macs: string[];
  macNet: Map<string, string>;
  macsByNet: Map<string, string[]>;
}

export function buildScenario(r: Recipe): Scenario {
  const n = r.nSwitches;
  const versions = new Map<string, number>();
  const ports = new Map<string, Map<number, TopoPort>>();
  for (let i = 0; i < n; i++) {
    const d = dpidOf(i);
    versions.set(d, r.versionMode === '13' ? 4 : r.versionMode === '10' ? 1 : r.mixed[i] ? 4 : 1);
    const m = new Map<number, TopoPort>();
    for (let p = 1; p <= 3; p++) m.set(p, { portNo: p, name: `s${i + 1}-eth${p}`, up: true });
    ports.set(d, m);
  }
  const links: Link[] = [];
  const nextPort = new Map<string, number>();
  const addLink = (x: number, y: number): void => {
    if (x === y || x >= n || y >= n) return;
    const a = dpidOf(Math.min(x, y));
    const b = dpidOf(Math.max(x, y));
    const pa = nextPort.get(a) ?? 10;
    const pb = nextPort.get(b) ?? 10;
    nextPort.set(a, pa + 1);
    nextPort.set(b, pb + 1);
    ports.get(a)!.set(pa, { portNo: pa, name: `f${pa}`, up: true });
    ports.get(b)!.set(pb, { portNo: pb, name: `f${pb}`, up: true });
    links.push({ a: { dpid: a, portNo: pa }, b: { dpid: b, portNo: pb } });
  };
  if (r.chain) for (let i = 0; i + 1 < n; i++) addLink(i, i + 1);
  for (const [x, y] of r.extraLinks) addLink(x, y);
  for (const k of r.downLinks) {
    const l = links[k];
    if (l) ports.get(l.a.dpid)!.get(l.a.portNo)!.up = false;
  }
  const switches = new Map<string, TopoSwitch>();
  for (let i = 0; i < n; i++) {
    const d = dpidOf(i);
    switches.set(d, { dpid: d, connected: true, version: versions.get(d) === 1 ? 1 : 4, ports: ports.get(d)! });
  }
  const topo: TopologySnapshot = { version: 1, switches, links };

  let macSeq = 0;
  const newMac = (): string => `02:00:00:00:${hex2(macSeq >> 8)}:${hex2(++macSeq & 0xff)}`;
  const networks = new Map<string, Network>();
  const ipsByMac = new Map<string, string[]>();
  const ipSeq = new Map<number, number>();
  const newIps = (net: number, v6: boolean): string[] => {
    const k = (ipSeq.get(net) ?? 0) + 1;
    ipSeq.set(net, k);
    return v6 ? [`10.${net}.0.${k}`, `fd00:${net}::${k.toString(16)}`] : [`10.${net}.0.${k}`];
  };
  // Switch index n is unknown to the topology; port 4 is not on any switch.
  const sw = (i: number): string => dpidOf(i % n);
  // Port 4 is on no switch (a tap that appears later); 0..3 map onto the access ports 1..3.
  const portOf = (i: number): number => (i === 4 ? 4 : 1 + (i % 3));
  const macNet = new Map<string, string>();
  const netNames: string[] = [];
  r.networks.forEach((nr, i) => {
    const name = `n${i}`;
    netNames.push(name);
    const gateways: Gateway[] = nr.gateways.map((g) => {
      const mac = newMac();
      const ips = newIps(i, true);
      ipsByMac.set(mac, ips);
      macNet.set(mac, name);
      return { mac, ips, switch: sw(g.sw), port: portOf(g.port) };
    });
    networks.set(name, { name, tenant: `t${nr.tenant}`, kind: nr.isPublic ? 'public' : 'private', cidrs: [], gateways, segment: i + 1 });
  });
  const vms = new Map<string, Vm>();
  r.vms.forEach((vr, i) => {
    const name = `vm${i}`;
    const used = new Set<string>();
    const interfaces = vr.ifaces
      .filter((f) => f.net < netNames.length && !used.has(netNames[f.net]!) && used.add(netNames[f.net]!))
      .map((f, k) => {
        const mac = newMac();
        const ips = newIps(f.net, f.v6);
        ipsByMac.set(mac, ips);
        const dpid = vr.unknownSwitch && k === 0 && i % 3 === 2 ? '00000000000000ff' : sw(f.at.sw);
        macNet.set(mac, netNames[f.net]!);
        return { mac, ips, network: netNames[f.net]!, switch: dpid, port: portOf(f.at.port) };
      });
    if (!interfaces.length) return;
    const vm: Vm = { name, tenant: `t${vr.tenant}`, interfaces };
    if (vr.migrate) vm.migration = { destinations: [{ mac: interfaces[0]!.mac, switch: sw(vr.migrate.at.sw), port: portOf(vr.migrate.at.port) }], activated: vr.migrate.activated };
    vms.set(name, vm);
  });
  // DHCP server: 1 = first VM interface of the network, 2 = its first gateway, 3 = a MAC bound nowhere.
  r.networks.forEach((nr, i) => {
    const net = networks.get(`n${i}`)!;
    let mac: string | undefined;
    if (nr.dhcp === 1) mac = [...vms.values()].flatMap((v) => v.interfaces).find((f) => f.network === net.name)?.mac;
    else if (nr.dhcp === 2) mac = net.gateways[0]?.mac;
    else if (nr.dhcp === 3) mac = '02:ff:ff:ff:ff:01';
    if (mac) net.dhcp = { mac, ip: `10.${i}.0.250` };
  });
  const relations = new Map<string, Relation>();
  r.relations.forEach(([a, b], i) => {
    if (a !== b && vms.has(`vm${a}`) && vms.has(`vm${b}`)) relations.set(`r${i}`, { id: `r${i}`, vms: [`vm${a}`, `vm${b}`], tenants: [vms.get(`vm${a}`)!.tenant, vms.get(`vm${b}`)!.tenant] });
  });
  const model: ModelSnapshot = { generation: 1, networks, vms, relations };
  return scenarioFrom(model, topo, versions);
}

/** Senders and address books for a model: every bound (switch, port, MAC), a stranger, and a frame from a fabric port. */
export function scenarioFrom(model: ModelSnapshot, topo: TopologySnapshot, versions: Map<string, number>): Scenario {
  const { networks, vms } = model;
  const switches = topo.switches;
  const links = topo.links;
  const ipsByMac = new Map<string, string[]>();
  const macNet = new Map<string, string>();
  for (const net of networks.values()) {
    for (const g of net.gateways) {
      ipsByMac.set(g.mac, g.ips);
      macNet.set(g.mac, net.name);
    }
  }
  for (const vm of vms.values()) {
    for (const f of vm.interfaces) {
      ipsByMac.set(f.mac, f.ips);
      macNet.set(f.mac, f.network);
    }
  }
  const senders: Scenario['senders'] = [];
  const portNoOf = (dpid: string, port: number): number | undefined => (switches.get(dpid)?.ports.has(port) ? port : undefined);
  for (const net of networks.values()) {
    for (const g of net.gateways) {
      const p = portNoOf(g.switch, Number(g.port));
      if (p !== undefined) senders.push({ dpid: g.switch, portNo: p, mac: g.mac, ips: g.ips });
    }
  }
  for (const vm of vms.values()) {
    for (const f of vm.interfaces) {
      const p = portNoOf(f.switch, Number(f.port));
      if (p !== undefined) senders.push({ dpid: f.switch, portNo: p, mac: f.mac, ips: f.ips });
      for (const d of vm.migration?.destinations ?? []) {
        const q = portNoOf(d.switch, Number(d.port));
        if (d.mac === f.mac && q !== undefined) senders.push({ dpid: d.switch, portNo: q, mac: f.mac, ips: f.ips });
      }
    }
  }
  // A stranger on an access port, and a frame claiming a bound MAC from a fabric port.
  const first = [...switches.keys()].sort()[0]!;
  senders.push({ dpid: first, portNo: 3, mac: '02:66:66:66:66:66', ips: ['10.0.0.66'] });
  if (links[0]) senders.push({ dpid: links[0].a.dpid, portNo: links[0].a.portNo, mac: [...ipsByMac.keys()][0] ?? '02:00:00:00:00:01', ips: ['10.0.0.1'] });
  const macsByNet = new Map<string, string[]>();
  for (const [mac, net] of macNet) macsByNet.set(net, [...(macsByNet.get(net) ?? []), mac]);
  return { model, topo, versions, senders, ipsByMac, macs: [...ipsByMac.keys()], macNet, macsByNet };
}

const v4 = (ips: string[]): string => ips.find((ip) => !ip.includes(':')) ?? '10.9.9.9';
const eui = (mac: string): string => {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  return 'fe80::' + [((b[0]! ^ 2) << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!].map((x) => x.toString(16)).join(':');
};
const v6 = (ips: string[], mac: string): string => ips.find((ip) => ip.includes(':')) ?? eui(mac);
const BC = 'ff:ff:ff:ff:ff:ff';

/** The frame for a packet recipe; `all13` allows IPv6 multicast (carried only between OF1.3 switches). */
export function buildPacket(s: Scenario, p: Recipe['packets'][number], all13: boolean): { dpid: string; portNo: number; frame: Uint8Array } {
  const from = s.senders[p.sender % s.senders.length]!;
  // Mostly a peer on the sender's own network, sometimes anyone.
  const peers = s.macsByNet.get(s.macNet.get(from.mac) ?? '') ?? [];
  const pool = p.target % 5 === 0 || !peers.length ? s.macs : peers;
  const tmac = pool.length ? pool[p.target % pool.length]! : BC;
  const tips = s.ipsByMac.get(tmac) ?? ['10.9.9.9'];
  const m = from.mac;
  const src4 = v4(from.ips);
  const src6 = v6(from.ips, m);
  const mc6 = all13 ? '33:33:00:00:00:01' : tmac;
  const eth = (dst: string, type: number, payload: number[], src = m): Uint8Array => ethernet(dst, src, type, payload);
  let frame: Uint8Array;
  switch (p.kind) {
    case 'unicast4': frame = eth(tmac, 0x0800, ipv4(src4, v4(tips), 17, udp(1000, 2000))); break;
    case 'unicast6': frame = eth(tmac, 0x86dd, ipv6(src6, v6(tips, tmac), 17, udp(1000, 2000))); break;
    case 'bcast4': frame = eth(BC, 0x0800, ipv4(src4, '255.255.255.255', 17, udp(1000, 2000))); break;
    case 'bcast6': frame = eth(BC, 0x86dd, ipv6(src6, 'ff02::1', 17, udp(1000, 2000))); break;
    case 'mcast6': frame = eth(mc6, 0x86dd, ipv6(src6, 'ff02::1', 17, udp(1000, 2000))); break;
    case 'dhcp-discover': frame = eth(BC, 0x0800, ipv4('0.0.0.0', '255.255.255.255', 17, udp(68, 67))); break;
    case 'dhcp-request': frame = eth(tmac, 0x0800, ipv4(src4, v4(tips), 17, udp(68, 67))); break;
    case 'dhcp-offer': frame = eth(p.target % 2 ? BC : tmac, 0x0800, ipv4(src4, v4(tips), 17, udp(67, 68))); break;
    case 'arp-request': frame = eth(BC, 0x0806, arp(1, m, src4, '00:00:00:00:00:00', v4(tips))); break;
    case 'arp-spoof-sha': frame = eth(BC, 0x0806, arp(1, tmac, src4, '00:00:00:00:00:00', v4(tips))); break;
    case 'arp-spoof-spa': frame = eth(BC, 0x0806, arp(1, m, v4(tips), '00:00:00:00:00:00', src4)); break;
    case 'arp-probe': frame = eth(BC, 0x0806, arp(1, m, '0.0.0.0', '00:00:00:00:00:00', src4)); break;
    case 'garp': frame = eth(BC, 0x0806, arp(2, m, src4, BC, src4)); break;
    case 'arp-reply': frame = eth(tmac, 0x0806, arp(2, m, src4, tmac, v4(tips))); break;
    case 'rarp': frame = eth(BC, 0x8035, arp(3, m, '0.0.0.0', m, '0.0.0.0')); break;
    case 'spoof-mac': frame = eth(tmac, 0x0800, ipv4(src4, v4(tips), 17, udp(1, 2)), tmac === m ? '02:77:77:77:77:77' : tmac); break;
    case 'spoof-ip4': frame = eth(tmac, 0x0800, ipv4(v4(tips), v4(tips), 17, udp(1, 2))); break;
    case 'spoof-ip6': frame = eth(tmac, 0x86dd, ipv6(v6(tips, tmac), v6(tips, tmac), 17, udp(1, 2))); break;
    case 'ra': frame = eth(mc6, 0x86dd, ipv6(src6, 'ff02::1', 58, icmpv6(134, 0, [64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))); break;
    case 'redirect': frame = eth(tmac, 0x86dd, ipv6(src6, v6(tips, tmac), 58, icmpv6(137, 0, new Array<number>(36).fill(0)))); break;
    case 'ns': frame = eth(mc6, 0x86dd, ipv6(src6, 'ff02::1:ff00:1', 58, nd(135, v6(tips, tmac), m))); break;
    case 'ns-bad-sll': frame = eth(mc6, 0x86dd, ipv6(src6, 'ff02::1:ff00:1', 58, nd(135, v6(tips, tmac), '02:99:99:99:99:99'))); break;
    case 'na': frame = eth(tmac, 0x86dd, ipv6(src6, v6(tips, tmac), 58, nd(136, src6, p.target % 2 ? m : undefined))); break;
    case 'na-bad-target': frame = eth(tmac, 0x86dd, ipv6(src6, v6(tips, tmac), 58, nd(136, v6(tips, tmac), m))); break;
    case 'na-bad-tll': frame = eth(tmac, 0x86dd, ipv6(src6, v6(tips, tmac), 58, nd(136, src6, '02:99:99:99:99:99'))); break;
    // Fabric ports are trusted to carry tagged traffic: only access ports get tagged frames here.
    case 'tagged': frame = ethernet(tmac, m, 0x0800, ipv4(src4, v4(tips), 17, udp(1, 2)), from.portNo >= 10 ? [] : [1 + (p.target % 3)]); break;
    case 'lldp': frame = eth('01:80:c2:00:00:0e', 0x88cc, [0, 0]); break;
    case 'unknown-dst': frame = eth('02:55:55:55:55:55', 0x0800, ipv4(src4, '10.0.0.55', 17, udp(1, 2))); break;
  }
  return { dpid: from.dpid, portNo: from.portNo, frame };
}
