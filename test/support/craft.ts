// Drives test/support/craft.py inside Mininet hosts: crafted frames sent from
// one host, sniffers counting tagged frames at others, and a paced flood.
// Frames are built in Python (standard library only), apart from Spotlight's
// own frame builders, so the attack tests do not check Spotlight against itself.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MininetNetwork } from './mininet.js';

const CRAFT = fileURLToPath(new URL('./craft.py', import.meta.url));

interface FrameBase {
  src: string;
  /** Destination MAC; broadcast when absent (RA: 33:33:00:00:00:01). */
  dst?: string;
  /** Hex bytes carried in the payload, counted by sniffers. */
  tag?: string;
  /** An 802.1Q tag to add (VLAN id). */
  vlan?: number;
}

export type CraftFrame =
  | (FrameBase & { kind: 'eth'; ethertype?: number })
  | (FrameBase & { kind: 'udp4' | 'udp6'; srcIp: string; dstIp: string; sport?: number; dport?: number })
  | (FrameBase & { kind: 'arp'; op: 1 | 2; sha?: string; spa: string; tha?: string; tpa: string })
  | (FrameBase & { kind: 'dhcp-offer'; srcIp: string; dstIp?: string; yiaddr?: string; chaddr?: string })
  | (FrameBase & { kind: 'ra'; srcIp?: string; dstIp?: string })
  /** Neighbour advertisement / solicitation; `lla` is the MAC its link-layer option names (default `src`). */
  | (FrameBase & { kind: 'na' | 'ns'; target: string; lla?: string; srcIp?: string; dstIp?: string });

const hexJson = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('hex');
const iface = (host: string): string => `${host}-eth0`;

/** A fresh tag: 8 random bytes no other frame carries. */
export const newTag = (): string => randomBytes(8).toString('hex');

/** The EUI-64 link-local IPv6 address of a MAC (RFC 4291 appendix A). */
export function linkLocal(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  b[0]! ^= 0x02;
  const words = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!];
  return `fe80::${words.map((w) => w.toString(16)).join(':')}`;
}

function parseLast<T>(output: string, what: string): T {
  const line = output
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  if (!line) throw new Error(`${what}: no answer from craft.py: ${output.slice(-500)}`);
  return JSON.parse(line) as T;
}

/** Sends the frames `count` times (each round all frames, `gapS` apart) from a host. */
export async function sendFrames(net: MininetNetwork, host: string, frames: CraftFrame[], count = 3, gapS = 0.05): Promise<number> {
  const r = await net.run(host, `/usr/bin/python3 ${CRAFT} send ${hexJson({ iface: iface(host), frames, count, gap: gapS })}`, 20);
  return parseLast<{ sent: number }>(r.output, `send from ${host}`).sent;
}

export interface SniffResult {
  /** Per host, per tag: frames received carrying that tag. */
  counts: Map<string, Record<string, number>>;
  /** Per host, per tag: the first such frame (hex), for a failure message. */
  frames: Map<string, Record<string, string>>;
}

/** Sniffers running in several hosts at once; resolves once every one of them listens. */
export class Sniffers {
  private constructor(
    private readonly net: MininetNetwork,
    private readonly jobs: Map<string, number>,
    private readonly seconds: number,
  ) {}

  static async start(net: MininetNetwork, hosts: string[], tags: string[], seconds = 2.5): Promise<Sniffers> {
    const stamp = randomBytes(4).toString('hex');
    const ready = new Map(hosts.map((h) => [h, join(tmpdir(), `spotlight-craft-${stamp}-${h}.ready`)]));
    const jobs = new Map<string, number>();
    for (const h of hosts) {
      const req = { iface: iface(h), seconds, tags, ready: ready.get(h) };
      jobs.set(h, await net.spawn(h, `/usr/bin/python3 ${CRAFT} sniff ${hexJson(req)}`));
    }
    const end = Date.now() + 10_000;
    try {
      while ([...ready.values()].some((f) => !existsSync(f))) {
        if (Date.now() > end) throw new Error(`sniffers not listening after 10 s: ${[...ready].filter(([, f]) => !existsSync(f)).map(([h]) => h).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      for (const f of ready.values()) rmSync(f, { force: true });
    }
    return new Sniffers(net, jobs, seconds);
  }

  /** Waits for every sniffer's window to end and gathers the counts. */
  async collect(): Promise<SniffResult> {
    const counts = new Map<string, Record<string, number>>();
    const frames = new Map<string, Record<string, string>>();
    for (const [h, job] of this.jobs) {
      const r = await this.net.collect(job, this.seconds + 15);
      const out = parseLast<{ counts: Record<string, number>; frames: Record<string, string> }>(r.output, `sniffer at ${h}`);
      counts.set(h, out.counts);
      frames.set(h, out.frames);
    }
    return { counts, frames };
  }
}

/** Hosts (of `hosts`) that received at least one frame carrying `tag`. */
export function receivers(res: SniffResult, tag: string): string[] {
  return [...res.counts].filter(([, c]) => (c[tag] ?? 0) > 0).map(([h]) => h);
}

export interface FloodOptions {
  mac: string;
  ip: string;
  rate: number;
  seconds: number;
  /** Which frames, in turn (craft.py flood): 0 random source, 1 unknown destination, 2 ARP request, 3 LLDP; all four unless given. */
  kinds?: number[];
}

/** Starts a paced flood of unknown frames from a host; collect the job for what was sent. */
export async function startFlood(net: MininetNetwork, host: string, o: FloodOptions): Promise<number> {
  return net.spawn(host, `/usr/bin/python3 ${CRAFT} flood ${hexJson({ iface: iface(host), ...o })}`);
}

export async function floodResult(net: MininetNetwork, job: number, seconds: number): Promise<{ sent: number; seconds: number }> {
  const r = await net.collect(job, seconds + 20);
  return parseLast<{ sent: number; seconds: number }>(r.output, 'flood');
}

export interface RelayOptions {
  seconds: number;
  /** Where this end writes the LLDP frames it receives. */
  out: string;
  /** The other ends' `out` files: their frames are sent from this host. */
  ins: string[];
  /** Ethernet source written into every relayed frame (the host's own MAC). */
  src?: string;
}

/** Starts one end of an LLDP relay in a host; collect the job for what it received and sent. */
export async function startRelay(net: MininetNetwork, host: string, o: RelayOptions): Promise<number> {
  return net.spawn(host, `/usr/bin/python3 ${CRAFT} relay ${hexJson({ iface: iface(host), ...o })}`);
}

export async function relayResult(net: MininetNetwork, job: number, seconds: number): Promise<{ received: number; sent: number }> {
  const r = await net.collect(job, seconds + 20);
  return parseLast<{ received: number; sent: number }>(r.output, 'relay');
}
