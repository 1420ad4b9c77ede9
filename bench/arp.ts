// Packet-in answers per second: ARP requests, IPv6 neighbour solicitations,
// RARP and gratuitous ARP through the controller's packet-in handler, on
// clouds of 16, 16,000 and 160,000 VMs built as the compiler benches build
// theirs (bench/compile-model.ts: a public segment with a quarter of the VMs
// in tenants of 10, two gateways and relations; private networks of 8 VMs for
// the rest; 32 VMs per edge switch on average). Beside it, the handler as it was at
// BEFORE_COMMIT (which walked the whole model per frame), on the same frames
// in the same run, with the ratio (BENCH_SIZES changes the sizes). Rates are
// frames per second of this process's CPU time (the machine is shared), the
// median of ROUNDS rounds of at least ROUND_MS each. Run: npx tsx bench/arp.ts
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { linkLocalOf } from '../src/openflow/addr.js';
import type { ModelCommit, ModelSnapshot } from '../src/model/types.js';
import { PacketInHandler, type PacketInDeps, type PacketInEvent } from '../src/runtime/packet-in.js';
import { arp, ethernet, ipv6, nd } from '../src/sim/packets.js';
import { BEFORE_COMMIT, importBefore } from './before.js';
import { buildCloud, prng } from './compile-model.js';
import { silentLogger } from '../test/support/logs.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500);
const SIZES = (process.env.BENCH_SIZES ?? '16,16000,160000').split(',').map(Number);
/** The handler before is run on these sizes only (160,000 VMs would take minutes). */
const BEFORE_SIZES = new Set([16, 16_000]);
const FRAMES = 4096;

/** Frames are picked with their own seeded sequence, apart from the cloud's. */
const pick = prng(0xf4a3e5);

interface Cloud {
  model: ModelSnapshot;
  /** Members of each network, by VM name. */
  members: Map<string, string[]>;
}

/**
 * The compiler benches' cloud (bench/compile-model.ts) at `n` VMs: a quarter
 * of them on the public segment in tenants of 10, the rest in private
 * networks of 8, a relation per 16 VMs, 32 VMs per edge switch on average.
 */
function cloudOf(n: number): Cloud {
  const publicVms = Math.max(2, Math.floor(n / 4));
  const edges = Math.max(1, Math.ceil(n / 32));
  const model = buildCloud({
    aggs: 2, edges, access: 64, vms: n, networks: 1 + Math.ceil((n - publicVms) / 8), publicVms, publicTenantSize: 10, relations: Math.floor(n / 16),
  });
  const members = new Map<string, string[]>();
  for (const vm of model.vms.values()) {
    for (const itf of vm.interfaces) {
      let list = members.get(itf.network);
      if (!list) members.set(itf.network, (list = []));
      list.push(vm.name);
    }
  }
  return { model, members };
}

type Kind = 'ARP request' | 'ND solicitation' | 'RARP' | 'gratuitous ARP';

/** Frames from random VMs at their own ports: requests for members of their network (some they may not reach). */
function framesOf(cloud: Cloud, kind: Kind): PacketInEvent[] {
  const { model, members } = cloud;
  const names = [...model.vms.keys()];
  const out: PacketInEvent[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const vm = model.vms.get(names[pick(names.length)]!)!;
    const itf = vm.interfaces[0]!;
    const peers = members.get(itf.network)!;
    const target = model.vms.get(peers[pick(peers.length)]!)!.interfaces[0]!;
    const at = { dpid: itf.switch, inPort: itf.port as number };
    const ip = itf.ips[0]!;
    let data: Uint8Array;
    if (kind === 'ARP request') data = ethernet('ff:ff:ff:ff:ff:ff', itf.mac, 0x0806, arp(1, itf.mac, ip, '00:00:00:00:00:00', target.ips[0]!));
    else if (kind === 'ND solicitation') data = ethernet('33:33:ff:00:00:01', itf.mac, 0x86dd, ipv6(linkLocalOf(itf.mac), 'ff02::1:ff00:1', 58, nd(135, linkLocalOf(target.mac), itf.mac)));
    // No VM is migrating: each announcement is looked up and dropped (the walk's worst case).
    else if (kind === 'RARP') data = ethernet('ff:ff:ff:ff:ff:ff', itf.mac, 0x8035, arp(3, itf.mac, '0.0.0.0', itf.mac, '0.0.0.0'));
    else data = ethernet('ff:ff:ff:ff:ff:ff', itf.mac, 0x0806, arp(1, itf.mac, ip, '00:00:00:00:00:00', ip));
    out.push({ ...at, data });
  }
  return out;
}

interface Handler {
  handle(ev: PacketInEvent): string;
}
type HandlerClass = new (deps: PacketInDeps) => Handler;

/** A store that holds the model and never changes. */
function fixedStore(model: ModelSnapshot): PacketInDeps['store'] {
  return {
    snapshot: () => model,
    apply: () => Promise.reject(new Error('the bench writes nothing')),
    onCommit: (_l: (c: ModelCommit) => void) => () => undefined,
  };
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

/** Median frames handled per CPU second over the rounds, and the share answered. */
function rate(handler: Handler, frames: PacketInEvent[]): { perSecond: number; answered: number } {
  const rates: number[] = [];
  let answered = 0;
  let handled = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let elapsed = 0;
    while (elapsed < ROUND_MS || n < 50) {
      const outcome = handler.handle(frames[n % frames.length]!);
      if (outcome === 'arp-answered' || outcome === 'nd-answered') answered++;
      n++;
      handled++;
      if ((n & 31) === 0 || n < 64) elapsed = performance.now() - t0;
    }
    rates.push(n / (cpuMs(c0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { perSecond: rates[Math.floor(rates.length / 2)]!, answered: answered / handled };
}

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

const Before = (await importBefore<{ PacketInHandler: HandlerClass }>('src/runtime/packet-in.ts'))?.PacketInHandler;
console.log(`packet-in answers per second through the handler, now and at ${BEFORE_COMMIT} (before), same run`);
console.log(`  node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(1)}; frames per CPU second, median of ${ROUNDS} rounds of >= ${ROUND_MS} ms`);
if (!Before) console.log(`  (before: ${BEFORE_COMMIT} not available from git; only now is measured)`);
for (const n of SIZES) {
  const cloud = cloudOf(n);
  const deps = (): PacketInDeps => ({ store: fixedStore(cloud.model), sendPacketOut: () => true, portName: () => undefined, logger: silentLogger() });
  const b0 = performance.now();
  const now = new PacketInHandler(deps());
  const buildMs = performance.now() - b0;
  const before = Before && BEFORE_SIZES.has(n) ? new Before(deps()) : undefined;
  console.log(`  ${n.toLocaleString('en-US')} VMs (${cloud.model.networks.size} networks, ${cloud.model.relations.size} relations; address index built in ${buildMs.toFixed(0)} ms):`);
  for (const kind of ['ARP request', 'ND solicitation', 'RARP', 'gratuitous ARP'] as Kind[]) {
    const frames = framesOf(cloud, kind);
    const a = rate(now, frames);
    const b = before ? rate(before, frames) : undefined;
    const answered = kind === 'ARP request' || kind === 'ND solicitation' ? `, ${(a.answered * 100).toFixed(0)}% answered` : '';
    const peer = b ? `; before ${fmt(b.perSecond)}/s, now/before ${fmt(a.perSecond / b.perSecond)}x` : '';
    console.log(`    ${kind.padEnd(16)}: now ${fmt(a.perSecond)}/s${answered}${peer}`);
  }
  now.stop();
}
