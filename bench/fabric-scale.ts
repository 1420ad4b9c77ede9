// Spotlight at a cloud's scale with its switches connected: a farm of
// simulated Open vSwitch bridges (bench/farm, its own process; OF1.3 and a
// share of OF1.0, each from its own loopback address) in front of the
// controller started the README's way (`npm start`, its own data directory
// and ports), the cloud registered through the hooks with every VM's tap
// appearing by PORT_STATUS, then churn at a fixed rate, CPU per event kind and
// an ARP flood (bench/fabric-scale/run.ts). The same scenario runs, in the
// same invocation, against an older commit built in a git worktree
// (--baseline, default 6404266), and both are printed side by side with
// ratios. Every phase is bounded: a controller that cannot finish one is
// reported with what it reached.
//   npx tsx bench/fabric-scale.ts [--quick] [--edge 100 --aggregation 4] [--baseline COMMIT | --no-baseline]
// (--help lists every flag.) Linux only (/proc); no root needed.
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ControllerProcess, ROOT, git, launched, prepareBaseline, removeBaseline } from './fabric-scale/controller.js';
import { closeAgent } from './fabric-scale/http.js';
import { report } from './fabric-scale/report.js';
import { runScenario, type RunOptions, type RunResult } from './fabric-scale/run.js';

const QUICK: Record<string, string> = {
  edge: '8', aggregation: '2', vms: '400', networks: '40', publicVms: '80', relations: '10', registerBudget: '120',
  settle: '60', quiet: '30', idle: '5', churn: '15', rate: '20', phaseEvents: '6', phaseRate: '3', arp: '5',
};

const program = new Command('fabric-scale')
  .description('Spotlight in front of a farm of simulated switches, against an older commit in the same run')
  .option('--quick', 'a small cloud and short phases, for a smoke check')
  .option('--edge <n>', 'edge switches', '100')
  .option('--aggregation <n>', 'aggregation switches (each edge is cabled to each)', '4')
  .option('--of10-share <x>', 'share of the switches speaking only OpenFlow 1.0', '0.1')
  .option('--vms <n>', 'VMs registered', '16000')
  .option('--networks <n>', 'networks: one public segment, the rest private', '2000')
  .option('--public-vms <n>', 'VMs on the public segment', '4000')
  .option('--tenant-size <n>', 'VMs per tenant on the public segment', '10')
  .option('--relations <n>', 'relations between public VMs of different tenants', '1000')
  .option('--clients <n>', 'concurrent hook clients while registering', '32')
  .option('--register-budget <s>', 'give up registering after this long', '900')
  .option('--settle <s>', 'longest wait for the flows to be realized after registration', '180')
  .option('--quiet <s>', 'longest wait for the controller to go quiet after each CPU-per-event phase', '60')
  .option('--idle <s>', 'idle window', '10')
  .option('--churn <s>', 'churn duration', '60')
  .option('--rate <n>', 'churn events per second', '50')
  .option('--phase-events <n>', 'events per kind in the CPU-per-event phases', '20')
  .option('--phase-rate <n>', 'events per second in those phases', '5')
  .option('--arp <s>', 'ARP flood duration', '10')
  .option('--arp-window <n>', 'ARP requests awaiting an answer at once', '256')
  .option('--wait <s>', '?wait on the churn hooks', '10')
  .option('--seed <n>', 'seed of the cloud', '24151')
  .option('--baseline <commit>', 'the older commit run beside this tree', '6404266')
  .option('--no-baseline', 'run this tree only')
  .option('--cpu-prof <dir>', 'run this tree\'s controller under V8\'s CPU profiler, writing its profile to <dir> when it stops')
  .option('--heap-prof <dir>', 'run this tree\'s controller under V8\'s sampling heap profiler (where it allocates), writing to <dir> when it stops')
  .option('--keep', 'keep the baseline worktree and the controllers\' logs under .bench-out/');

async function main(): Promise<void> {
  program.parse(process.argv);
  const given = program.opts<Record<string, string | boolean>>();
  const arg = (k: string): number => {
    const v = given.quick && program.getOptionValueSource(k) === 'default' && QUICK[k] !== undefined ? QUICK[k] : given[k];
    return Number(v);
  };
  const vms = arg('vms');
  const o: RunOptions = {
    edge: arg('edge'),
    aggregation: arg('aggregation'),
    of10Share: arg('of10Share'),
    cloud: { vms, networks: arg('networks'), publicVms: arg('publicVms'), tenantSize: arg('tenantSize'), relations: arg('relations'), reserve: Math.ceil(vms * 0.02) + 20, seed: arg('seed') },
    clients: arg('clients'),
    registerBudgetS: arg('registerBudget'),
    settleS: arg('settle'),
    quietS: arg('quiet'),
    idleS: arg('idle'),
    churnS: arg('churn'),
    churnRate: arg('rate'),
    phaseEvents: arg('phaseEvents'),
    phaseRate: arg('phaseRate'),
    arpS: arg('arp'),
    arpWindow: arg('arpWindow'),
    waitS: arg('wait'),
  };
  const stamp = new Date().toISOString();
  const work = join(ROOT, '.bench-out', `fabric-scale-${stamp.replace(/[:.]/g, '-')}`);
  const log = (s: string): void => console.error(`[${((performance.now() / 1000) | 0).toString().padStart(5)} s] ${s}`);
  const baselineCommit = given.baseline === false ? undefined : String(given.baseline);

  const lines = [
    `fabric-scale ${stamp}: ${o.edge} edge x ${o.aggregation} aggregation switches (${o.edge + o.aggregation}, ${Math.round(o.of10Share * 100)} % OpenFlow 1.0), ` +
      `${vms} VMs in ${o.cloud.networks} networks (${o.cloud.publicVms} on the public segment, tenants of ${o.cloud.tenantSize}, ${o.cloud.relations} relations), ${o.clients} hook clients`,
    `churn ${o.churnS} s at ${o.churnRate} events/s (vm-start 30 %, vm-stop 30 %, migration 20 %, ARP 20 %, hooks with ?wait=${o.waitS}); ` +
      `CPU per event: ${o.phaseEvents} events per kind at ${o.phaseRate}/s; ARP flood ${o.arpS} s with ${o.arpWindow} outstanding`,
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start; ` +
      `controller logs at the default level to a file; the farm and the bench share the machine with it`,
  ];
  for (const l of lines) log(l);

  const runs: RunResult[] = [];
  const sides: { label: string; tree: () => string; how: 'npm' | 'node-with-probe' }[] = [
    { label: `this tree ${git(['rev-parse', '--short=7', 'HEAD'])}`, tree: () => ROOT, how: 'npm' },
  ];
  let baselineDir: string | undefined;
  if (baselineCommit) sides.push({ label: `baseline ${baselineCommit.slice(0, 7)}`, tree: () => (baselineDir = prepareBaseline(baselineCommit)), how: 'node-with-probe' });
  let current: ControllerProcess | undefined;
  const onSignal = (): void => {
    log('interrupted: stopping the controller');
    // npm passes the signal on to the controller it started (or the controller is the launched process itself).
    for (const child of launched) child.kill('SIGTERM');
    void (current?.stop() ?? Promise.resolve()).finally(() => {
      if (!given.keep) rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const side of sides) {
      const tree = side.tree();
      log(`${side.label}: starting the controller (${side.how === 'npm' ? 'npm start' : 'node dist/src/cli.js serve, event-loop probe preloaded'})`);
      const profile = side.how === 'npm' && (given.cpuProf || given.heapProf) ? { cpuDir: given.cpuProf as string | undefined, heapDir: given.heapProf as string | undefined } : undefined;
      current = await ControllerProcess.start(side.label, tree, side.how, join(work, side.label.split(' ')[0]!), profile);
      try {
        runs.push(await runScenario(current, o, log));
      } finally {
        await current.stop();
        current = undefined;
      }
    }
  } finally {
    closeAgent();
    if (!given.keep) {
      rmSync(work, { recursive: true, force: true });
      if (baselineDir) removeBaseline(baselineDir);
    }
  }
  console.log(lines.join('\n'));
  console.log(`load at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; event-loop figures from ${runs.map((r) => `${r.label}: ${r.churn.load.eventLoop?.source ?? 'none'}`).join(', ')}; ratio = ${runs[0]?.label} / ${runs[1]?.label ?? '-'}`);
  for (const l of report(runs)) console.log(l);
  if (process.env.SPOTLIGHT_BENCH_JSON) writeFileSync(process.env.SPOTLIGHT_BENCH_JSON, JSON.stringify(runs, null, 1));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
