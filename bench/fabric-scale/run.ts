// One controller through the whole scenario, phase by phase: start, the farm
// connects and discovery finds the fabric, the cloud registers through the
// hooks, the flows settle, an idle window (the controller's own background
// cost), churn at a fixed rate, one phase per event kind for its CPU cost,
// and an ARP flood. Every phase is bounded in time; a phase that runs out
// says so and the run goes on with what was reached.
import { loadavg } from 'node:os';
import { FarmClient } from '../farm/client.js';
import { Cloud, type CloudSpec } from './cloud.js';
import type { ControllerProcess, EventLoopWindow } from './controller.js';
import { runAtRate, newTally, type EventKind, type KindTally } from './events.js';
import { request } from './http.js';

export interface RunOptions {
  edge: number;
  aggregation: number;
  of10Share: number;
  cloud: Omit<CloudSpec, 'edges' | 'aggregations'>;
  clients: number;
  registerBudgetS: number;
  settleS: number;
  /** Longest wait for the controller to go quiet after each CPU-per-event phase. */
  quietS: number;
  idleS: number;
  churnS: number;
  churnRate: number;
  phaseEvents: number;
  phaseRate: number;
  arpS: number;
  arpWindow: number;
  waitS: number;
}

export interface PhaseLoad {
  seconds: number;
  cpuSeconds: number;
  eventLoop: EventLoopWindow | undefined;
  drops: number;
  farmCpuSeconds: number;
  farmEventLoopMaxMs: number;
  load1: number;
}

export interface KindCost {
  events: number;
  /** CPU from the first event until quiet, less the idle rate measured just before, per event. */
  cpuMsPerEvent: number;
  rawCpuMsPerEvent: number;
  idleCpuPercent: number;
  settled: boolean;
  seconds: number;
}

export interface RunResult {
  label: string;
  commit: string;
  startToHealthMs: number;
  switches: { total: number; up: number; of10: number };
  discovery: { links: number; expected: number; seconds: number };
  registration: { vms: number; target: number; seconds: number; p50: number; p99: number; failed: number; finished: boolean; load: PhaseLoad };
  settle: { seconds: number; settled: boolean; flows: number; flowsMax: number; load: PhaseLoad };
  idle: PhaseLoad;
  churn: { tallies: Record<string, KindTally>; load: PhaseLoad };
  costs: Partial<Record<EventKind, KindCost>>;
  arp: { result: Record<string, number>; load: PhaseLoad; cpuMsPerAnswer: number } | undefined;
  rssBytes: number;
  farmRssBytes: number;
  /** The whole scenario, wall clock. */
  seconds: number;
  notes: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runScenario(ctl: ControllerProcess, o: RunOptions, log: (s: string) => void): Promise<RunResult> {
  const notes: string[] = [];
  const began = performance.now();
  const farm = await FarmClient.start({ controller: { host: '127.0.0.1', port: ctl.openflowPort }, aggregation: o.aggregation, edge: o.edge, of10Share: o.of10Share });
  try {
    const switches = await farm.switches();
    const cloud = new Cloud({ ...o.cloud, edges: switches.filter((s) => s.role === 'edge').map((s) => s.dpid), aggregations: switches.filter((s) => s.role === 'aggregation').map((s) => s.dpid) });
    let mark = await startPhase(ctl, farm);
    const phase = async (): Promise<PhaseLoad> => {
      const [load, next] = await endPhase(ctl, farm, mark);
      mark = next;
      return load;
    };

    // --- Connect and discover ---
    const t0 = performance.now();
    const up = await farm.waitUp(120_000);
    const expected = o.edge * o.aggregation;
    let links = 0;
    while (performance.now() - t0 < 180_000) {
      const r = await request(ctl.api, 'GET', '/v1/topology', undefined, 60_000);
      links = r.status === 200 ? (JSON.parse(r.body) as { links: unknown[] }).links.length : 0;
      if (links >= expected) break;
      await sleep(500);
    }
    const discovery = { links, expected, seconds: (performance.now() - t0) / 1000 };
    if (links < expected) notes.push(`discovery found ${links} of ${expected} links in ${discovery.seconds.toFixed(0)} s`);
    log(`${ctl.label}: ${up.up}/${up.total} switches up, ${links}/${expected} links in ${discovery.seconds.toFixed(1)} s`);

    // --- Register the cloud through the hooks ---
    const registration = await register(ctl, farm, cloud, o, log);
    log(`${ctl.label}: ${registration.vms}/${registration.target} VMs registered in ${registration.seconds.toFixed(1)} s (${registration.failed} refused)`);
    if (!registration.finished) notes.push(`registration reached ${registration.vms} of ${registration.target} VMs in the ${o.registerBudgetS} s budget`);
    const regLoad = await phase();

    // --- Settle: every connected switch has realized the model ---
    const s0 = performance.now();
    let settled = false;
    while (performance.now() - s0 < o.settleS * 1000) {
      if (realizedEverywhere(await ctl.metrics())) {
        settled = true;
        break;
      }
      await sleep(1000);
    }
    const perSwitch = (await farm.stats<{ switches: { flows: number }[] }>(true)).switches;
    const flows = perSwitch.reduce((n, sw) => n + sw.flows, 0);
    const flowsMax = Math.max(...perSwitch.map((sw) => sw.flows));
    if (!settled) notes.push(`the flows did not settle within ${o.settleS} s`);
    const settle = { seconds: (performance.now() - s0) / 1000, settled, flows, flowsMax, load: await phase() };
    log(`${ctl.label}: settled ${settled} in ${settle.seconds.toFixed(1)} s, ${flows} flows on the farm`);

    // --- Idle: what the controller spends with nothing happening ---
    await sleep(o.idleS * 1000);
    const idle = await phase();
    const idleCpuRate = idle.cpuSeconds / idle.seconds;

    // --- Churn ---
    const deps = { api: ctl.api, farm, cloud, waitS: o.waitS };
    const tallies = await runAtRate(deps, { 'vm-start': 3, 'vm-stop': 3, migration: 2, arp: 2 }, o.churnRate, o.churnS, 400);
    const churn = { tallies, load: await phase() };
    log(`${ctl.label}: churn done (${Object.entries(tallies).map(([k, t]) => `${k} ${t.ok}/${t.sent}`).join(', ')})`);

    // --- CPU per event, one kind at a time, each beside an idle window just before it ---
    const costs: Partial<Record<EventKind, KindCost>> = {};
    for (const kind of ['tap-add', 'tap-remove', 'vm-start', 'vm-stop', 'migration', 'arp'] as EventKind[]) {
      await waitQuiet(ctl, farm, idleCpuRate, o.quietS);
      const i0 = ctl.cpuSeconds();
      await sleep(o.idleS * 1000);
      const idleRate = (ctl.cpuSeconds() - i0) / o.idleS;
      const c0 = ctl.cpuSeconds();
      const w0 = performance.now();
      const t = await runAtRate(deps, { [kind]: 1 }, o.phaseRate, o.phaseEvents / o.phaseRate, 400);
      const quiet = await waitQuiet(ctl, farm, idleRate, o.quietS);
      const seconds = (performance.now() - w0) / 1000;
      const events = t[kind].sent;
      const cpu = ctl.cpuSeconds() - c0;
      costs[kind] = {
        events,
        cpuMsPerEvent: events > 0 ? ((cpu - idleRate * seconds) * 1000) / events : NaN,
        rawCpuMsPerEvent: events > 0 ? (cpu * 1000) / events : NaN,
        idleCpuPercent: idleRate * 100,
        settled: quiet,
        seconds,
      };
      log(`${ctl.label}: ${kind}: ${events} events, ${costs[kind]!.cpuMsPerEvent.toFixed(1)} ms CPU each (${costs[kind]!.rawCpuMsPerEvent.toFixed(1)} before taking off idle at ${(idleRate * 100).toFixed(0)} %)${quiet ? '' : ' (did not settle)'}`);
    }
    await phase();

    // --- ARP answers per second ---
    let arp: RunResult['arp'];
    const asks = [];
    for (let i = 0; i < 4000; i++) {
      const p = cloud.arpPair();
      if (p) asks.push({ switch: p.from.switch, port: p.from.tap, mac: p.from.mac, ip: p.from.ip, targetIp: p.to.ip, expectMac: p.to.mac });
    }
    if (asks.length > 0) {
      const result = await farm.arpFlood(asks, o.arpS * 1000, o.arpWindow);
      const load = await phase();
      arp = { result, load, cpuMsPerAnswer: result.answered ? (load.cpuSeconds * 1000) / result.answered : NaN };
      log(`${ctl.label}: ARP flood ${result.answersPerSecond?.toFixed(0)} answers/s`);
    } else notes.push('no two running VMs share a private network: no ARP flood');

    const farmStats = await farm.stats<{ farm: { rssBytes: number } }>();
    return {
      label: ctl.label,
      commit: ctl.commit,
      startToHealthMs: ctl.startToHealthMs,
      switches: { total: up.total, up: up.up, of10: switches.filter((s) => s.version === '1.0').length },
      discovery,
      registration: { ...registration, load: regLoad },
      settle,
      idle,
      churn,
      costs,
      arp,
      rssBytes: ctl.rssBytes(),
      farmRssBytes: farmStats.farm.rssBytes,
      seconds: (performance.now() - began) / 1000,
      notes,
    };
  } finally {
    await farm.stop();
  }
}

async function register(ctl: ControllerProcess, farm: FarmClient, cloud: Cloud, o: RunOptions, log: (s: string) => void) {
  const t0 = performance.now();
  const deadline = t0 + o.registerBudgetS * 1000;
  for (const n of cloud.networks) for (const g of n.gatewayPorts) await farm.addPort(g.switch, g.port);
  await pool(cloud.networks, 16, async (n) => {
    const r = await request(ctl.api, 'PUT', `/v1/networks/${n.name}`, n.body);
    if (r.status !== 200) throw new Error(`network ${n.name}: ${r.status} ${r.body}`);
  });
  const order = cloud.initial();
  const target = order.length;
  const t = newTally();
  let next = 0;
  let lastLog = performance.now();
  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      for (let i = next++; i < target && performance.now() < deadline; i = next++) {
        const vm = order[i]!;
        await farm.addPort(vm.switch, vm.tap);
        const s = performance.now();
        const r = await request(ctl.api, 'POST', '/v1/hooks/vm-start', cloud.startBody(vm), 600_000);
        if (r.status === 200) {
          vm.running = true;
          t.ok++;
          t.ms.push(performance.now() - s);
        } else {
          t.failed++;
          if (t.errors.length < 3) log(`${ctl.label}: vm-start ${vm.name} refused: ${r.status} ${r.body.slice(0, 300)}`);
        }
        if (performance.now() - lastLog > 30_000) {
          lastLog = performance.now();
          log(`${ctl.label}: ${t.ok} VMs registered after ${((lastLog - t0) / 1000).toFixed(0)} s`);
        }
      }
    }),
  );
  const registered = cloud.vms.filter((v) => v.running).length;
  // Relations between the VMs that were registered.
  const running = new Set(cloud.vms.filter((v) => v.running).map((v) => v.name));
  await pool(cloud.relations.filter((r) => r.vms.every((v) => running.has(v))), 16, async (r) => void (await request(ctl.api, 'PUT', `/v1/relations/${r.id}`, { vms: r.vms })));
  const ms = t.ms.sort((a, b) => a - b);
  const pct = (p: number) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? NaN;
  const seconds = (performance.now() - t0) / 1000;
  return { vms: registered, target, seconds, p50: pct(50), p99: pct(99), failed: t.failed, finished: registered === target };
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

/** Every connected switch has confirmed the model's generation (from GET /metrics). */
function realizedEverywhere(text: string): boolean {
  const generation = Number(/^spotlight_model_generation (\S+)$/m.exec(text)?.[1]);
  const connected = Number(/^spotlight_switches_connected (\S+)$/m.exec(text)?.[1]);
  const realized = [...text.matchAll(/^spotlight_realized_generation\{dpid="[0-9a-f]+"\} (\S+)$/gm)].filter((m) => Number(m[1]) >= generation).length;
  return connected > 0 && realized >= connected;
}

interface Mark {
  at: number;
  cpu: number;
  drops: number;
}

async function dropsOf(farm: FarmClient): Promise<{ drops: number; cpu: number; eldMax: number }> {
  const s = await farm.stats<{ totals: Record<string, number>; farm: { cpuSeconds: number; eventLoopDelayMaxMs: number } }>(false, true);
  const drops = (s.totals['drops.inactivity'] ?? 0) + (s.totals['drops.closedByController'] ?? 0) + (s.totals['drops.socketError'] ?? 0);
  return { drops, cpu: s.farm.cpuSeconds, eldMax: s.farm.eventLoopDelayMaxMs };
}

async function startPhase(ctl: ControllerProcess, farm: FarmClient): Promise<Mark> {
  const d = await dropsOf(farm);
  return { at: performance.now(), cpu: ctl.cpuSeconds(), drops: d.drops };
}

/** Closes a phase (the windows of the controller's and the farm's figures restart here). */
async function endPhase(ctl: ControllerProcess, farm: FarmClient, m: Mark): Promise<[PhaseLoad, Mark]> {
  const eventLoop = await ctl.eventLoop();
  const d = await dropsOf(farm);
  const now = performance.now();
  const cpu = ctl.cpuSeconds();
  const load: PhaseLoad = {
    seconds: (now - m.at) / 1000,
    cpuSeconds: cpu - m.cpu,
    eventLoop,
    drops: d.drops - m.drops,
    farmCpuSeconds: d.cpu,
    farmEventLoopMaxMs: d.eldMax,
    load1: loadavg()[0]!,
  };
  return [load, { at: now, cpu, drops: d.drops }];
}

/**
 * Waits until the controller is done with what came before: no flow-mod
 * reaches the farm for 2 s and the controller's CPU over those 2 s is near
 * its idle rate. False when `timeoutS` ran out first.
 */
async function waitQuiet(ctl: ControllerProcess, farm: FarmClient, idleCpuRate: number, timeoutS: number): Promise<boolean> {
  const end = performance.now() + timeoutS * 1000;
  const mods = async () => {
    const s = await farm.stats<{ totals: Record<string, number> }>();
    return s.totals.flowMods ?? 0;
  };
  while (performance.now() < end) {
    const m0 = await mods();
    const c0 = ctl.cpuSeconds();
    await sleep(2000);
    const busy = (ctl.cpuSeconds() - c0) / 2;
    if ((await mods()) === m0 && busy <= idleCpuRate * 1.5 + 0.05) return true;
  }
  return false;
}
