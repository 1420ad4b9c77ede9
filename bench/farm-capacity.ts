// How large a fabric the switch farm (bench/farm) can simulate on this
// machine: the farm in front of Spotlight (`npm start`, no VMs), for each
// fabric size given, until discovery has found every cable, then a window
// with the controller probing every port each second, then again after
// `--taps` VM ports per edge have appeared. For each window: the farm's CPU
// and event-loop delay (a farm that stalls past the 5 s inactivity probe
// would drop sessions itself), the controller's CPU, LLDP frames relayed per
// second and sessions dropped. A fabric is within the farm's reach when the
// farm's longest stall stays well under the probe interval (limit: 1 s).
//   npx tsx bench/farm-capacity.ts [--sizes 100x4,500x24] [--taps 32] [--window 30]
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { FarmClient } from './farm/client.js';
import { ControllerProcess, ROOT } from './fabric-scale/controller.js';
import { closeAgent, request } from './fabric-scale/http.js';
import { sleep } from '../test/support/wait.js';

const FARM_STALL_LIMIT_MS = 1000;

interface Window {
  farmCpuPercent: number;
  farmStallMs: number;
  controllerCpuPercent: number;
  relayedPerSecond: number;
  drops: number;
}

type Stats = { totals: Record<string, number>; farm: { cpuSeconds: number; wallSeconds: number; eventLoopDelayMaxMs: number; rssBytes: number } };
const drops = (s: Stats): number => (s.totals['drops.inactivity'] ?? 0) + (s.totals['drops.closedByController'] ?? 0) + (s.totals['drops.socketError'] ?? 0);

async function measure(ctl: ControllerProcess, farm: FarmClient, seconds: number): Promise<Window & { rssBytes: number; flows: number }> {
  const s0 = await farm.stats<Stats>(false, true);
  const c0 = ctl.cpuSeconds();
  await sleep(seconds * 1000);
  const s1 = await farm.stats<Stats>(false, true);
  return {
    farmCpuPercent: (100 * s1.farm.cpuSeconds) / s1.farm.wallSeconds,
    farmStallMs: s1.farm.eventLoopDelayMaxMs,
    controllerCpuPercent: (100 * (ctl.cpuSeconds() - c0)) / seconds,
    relayedPerSecond: ((s1.totals.relayed ?? 0) - (s0.totals.relayed ?? 0)) / seconds,
    drops: drops(s1) - drops(s0),
    rssBytes: s1.farm.rssBytes,
    flows: s1.totals.flows ?? 0,
  };
}

async function main(): Promise<void> {
  const o = new Command('farm-capacity')
    .option('--sizes <list>', 'fabrics as EDGExAGGREGATION, comma separated', '100x4,500x24')
    .option('--taps <n>', 'VM ports added per edge for the second window', '32')
    .option('--window <s>', 'seconds per measured window', '30')
    .parse(process.argv)
    .opts<{ sizes: string; taps: string; window: string }>();
  const work = join(ROOT, '.bench-out', `farm-capacity-${Date.now()}`);
  console.log(`farm capacity: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
    `windows of ${o.window} s; the farm keeps up while its longest stall is under ${FARM_STALL_LIMIT_MS} ms (OVS's inactivity probe is 5 s + 5 s)`);
  console.log('fabric       switches  ports   discovery s  farm CPU %  farm stall ms  controller CPU %  LLDP relayed/s  drops  farm RSS MiB  verdict');
  try {
    for (const size of o.sizes.split(',')) {
      const [edge, aggregation] = size.split('x').map(Number) as [number, number];
      const ctl = await ControllerProcess.start(`fabric ${size}`, ROOT, 'npm', join(work, size));
      const farm = await FarmClient.start({ controller: { host: '127.0.0.1', port: ctl.openflowPort }, aggregation, edge, of10Share: 0.1 });
      try {
        const t0 = performance.now();
        await farm.waitUp(300_000);
        let links = 0;
        while (links < edge * aggregation && performance.now() - t0 < 600_000) {
          const r = await request(ctl.api, 'GET', '/v1/topology', undefined, 120_000);
          links = r.status === 200 ? (JSON.parse(r.body) as { links: unknown[] }).links.length : 0;
          if (links < edge * aggregation) await sleep(1000);
        }
        const discovery = (performance.now() - t0) / 1000;
        const row = (ports: number, w: Window & { rssBytes: number }) =>
          console.log(
            `${size.padEnd(12)} ${String(edge + aggregation).padStart(8)} ${String(ports).padStart(6)} ${(links < edge * aggregation ? `${links} links` : discovery.toFixed(1)).padStart(13)} ` +
              `${w.farmCpuPercent.toFixed(0).padStart(11)} ${w.farmStallMs.toFixed(0).padStart(14)} ${w.controllerCpuPercent.toFixed(0).padStart(17)} ${w.relayedPerSecond.toFixed(0).padStart(15)} ` +
              `${String(w.drops).padStart(6)} ${(w.rssBytes / 2 ** 20).toFixed(0).padStart(13)}  ${w.farmStallMs < FARM_STALL_LIMIT_MS ? 'farm keeps up' : 'farm too slow'}`,
          );
        const fabricPorts = 2 * edge * aggregation;
        row(fabricPorts, await measure(ctl, farm, Number(o.window)));
        const taps = Number(o.taps);
        for (let e = 0; e < edge; e++) for (let t = 0; t < taps; t++) await farm.addPort(`edge${e}`, `tap${e}-${t}`);
        row(fabricPorts + edge * taps, await measure(ctl, farm, Number(o.window)));
      } finally {
        await farm.stop();
        await ctl.stop();
      }
    }
  } finally {
    closeAgent();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
