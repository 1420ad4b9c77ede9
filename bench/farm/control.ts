// The farm's control channel: one JSON object per line on stdin, one answer
// per line on stdout, {"id", "ok": true, "result"} or {"id", "ok": false,
// "error"}. Commands (bench/farm/README.md lists their fields): start, waitUp,
// switches, addPort, removePort, arp, rarp, garp, arpFlood, stats, stop.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ArpAsk, ArpResult } from './arp-tracker.js';
import { Farm, type FarmSpec } from './fabric.js';
import { gratuitousArp, rarpAnnounce } from './frames.js';
import { sleep, waitFor } from '../../test/support/wait.js';

export interface Command {
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}

type Args = Record<string, unknown>;


export class FarmControl {
  private farm: Farm | undefined;
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  private cpuMark = process.cpuUsage();
  private wallMark = performance.now();

  constructor(private readonly onStop: () => void) {
    this.loop.enable();
  }

  async run(c: Command): Promise<unknown> {
    const a = c.args ?? {};
    if (c.cmd === 'start') return this.start(a as unknown as FarmSpec);
    if (c.cmd === 'stop') {
      this.farm?.stop();
      setImmediate(this.onStop);
      return {};
    }
    const farm = this.farm;
    if (!farm) throw new Error('the farm is not started');
    switch (c.cmd) {
      case 'switches':
        return farm.switches();
      case 'waitUp': {
        await waitFor(() => farm.upCount() === farm.members.length, num(a, 'timeoutMs', 60_000), 100);
        return { up: farm.upCount(), total: farm.members.length };
      }
      case 'addPort':
        return { portNo: farm.addPort(str(a, 'switch'), str(a, 'name')) };
      case 'removePort':
        return { portNo: farm.removePort(str(a, 'switch'), str(a, 'name')) };
      case 'arp':
        return farm.arp.request(this.ask(farm, a), num(a, 'timeoutMs', 2000));
      case 'rarp':
        return { sent: farm.sendFrom(str(a, 'switch'), farm.portNo(str(a, 'switch'), str(a, 'port')), rarpAnnounce(str(a, 'mac'))) };
      case 'garp':
        return { sent: farm.sendFrom(str(a, 'switch'), farm.portNo(str(a, 'switch'), str(a, 'port')), gratuitousArp(str(a, 'mac'), str(a, 'ip'))) };
      case 'arpFlood':
        return this.flood(farm, a);
      case 'stats':
        return this.stats(farm, a.perSwitch === true, a.window === true);
      default:
        throw new Error(`unknown command ${c.cmd}`);
    }
  }

  private start(spec: FarmSpec): { switches: number } {
    if (this.farm) throw new Error('the farm is already started');
    this.farm = new Farm(spec);
    this.farm.start();
    return { switches: this.farm.members.length };
  }

  private ask(farm: Farm, a: Args): ArpAsk {
    // The tracker matches replies by the switch's name.
    const sw = farm.member(str(a, 'switch')).info.name;
    return {
      switch: sw,
      portNo: farm.portNo(sw, str(a, 'port')),
      mac: str(a, 'mac'),
      ip: str(a, 'ip'),
      targetIp: str(a, 'targetIp'),
      ...(typeof a.expectMac === 'string' ? { expectMac: a.expectMac } : {}),
    };
  }

  /**
   * ARP requests from the given VMs, round robin, with `window` of them
   * awaiting an answer at any time, for `durationMs`: answers per second as
   * the controller delivers them.
   */
  private async flood(farm: Farm, a: Args): Promise<Record<string, number>> {
    const asks = (a.requests as Args[]).map((r) => this.ask(farm, r));
    if (asks.length === 0) throw new Error('arpFlood needs requests');
    const window = num(a, 'window', 256);
    // Long enough that a slow answer still counts as an answer (its time shows in the percentiles).
    const timeoutMs = num(a, 'timeoutMs', 10_000);
    const end = performance.now() + num(a, 'durationMs', 10_000);
    const t0 = performance.now();
    let next = 0;
    const tally = { sent: 0, answered: 0, correct: 0, wrong: 0, unanswered: 0 };
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (performance.now() < end) {
          const r: ArpResult = await farm.arp.request(asks[next++ % asks.length]!, timeoutMs);
          tally.sent++;
          if (!r.answered) {
            tally.unanswered++;
            // A switch that is down answers at once: do not spin on it.
            if (r.ms === 0) await sleep(10);
            continue;
          }
          tally.answered++;
          latencies.push(r.ms);
          if (r.correct) tally.correct++;
          else tally.wrong++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((x, y) => x - y);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
    return { ...tally, seconds, answersPerSecond: tally.answered / seconds, p50Ms: pct(50), p99Ms: pct(99) };
  }

  /**
   * Totals over the switches (and each switch when asked), and the farm
   * process's own load since its window opened; `window` closes that window
   * and opens the next.
   */
  private stats(farm: Farm, perSwitch: boolean, window: boolean): Record<string, unknown> {
    const rows = farm.members.map((m) => ({ ...m.info, ...farm.counters(m) }));
    const totals: Record<string, number> = {};
    for (const r of rows) {
      for (const [k, v] of Object.entries(r)) {
        if (typeof v === 'number') totals[k] = (totals[k] ?? 0) + v;
        if (typeof v === 'boolean') totals[k] = (totals[k] ?? 0) + (v ? 1 : 0);
        if (k === 'drops') for (const [cause, n] of Object.entries(v as Record<string, number>)) totals[`drops.${cause}`] = (totals[`drops.${cause}`] ?? 0) + n;
      }
    }
    const cpu = process.cpuUsage(this.cpuMark);
    const wallS = (performance.now() - this.wallMark) / 1000;
    const self = {
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      wallSeconds: wallS,
      rssBytes: process.memoryUsage().rss,
      eventLoopDelayP99Ms: Math.max(0, this.loop.percentile(99) / 1e6 - 10),
      eventLoopDelayMaxMs: Math.max(0, this.loop.max / 1e6 - 10),
    };
    if (window) {
      this.cpuMark = process.cpuUsage();
      this.wallMark = performance.now();
      this.loop.reset();
    }
    return { totals, arp: farm.arp.counters, farm: self, ...(perSwitch ? { switches: rows } : {}) };
  }
}

function str(a: Args, k: string): string {
  const v = a[k];
  if (typeof v !== 'string') throw new Error(`${k}: expected a string`);
  return v;
}

function num(a: Args, k: string, dflt: number): number {
  const v = a[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${k}: expected a number`);
  return v;
}
