// Hook-to-realized latency on a Mininet fabric (the four-switch ring of the
// end-to-end tests, userspace OVS), for OpenFlow 1.0 and 1.3: vm-start with
// ?wait answers once every touched switch confirmed the flows by barrier.
// Beside it, in the same run, the same hook answered once durable (no ?wait),
// so the cost of realization shows as a difference and a ratio.
//   npx tsx bench/e2e-realize.ts [--cycles 200]
// Needs root and Open vSwitch; Mininet holds /tmp/spotlight-ovs.lock itself.
import { cpus } from 'node:os';
import { api, E2eScenario, HOSTS, registerAll, vmStartBody, type Version } from '../test/support/e2e.js';
import { mininetReadiness } from '../test/support/mininet.js';

const argi = process.argv.indexOf('--cycles');
const CYCLES = argi > 0 ? Number(process.argv[argi + 1]) : 200;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(s: E2eScenario, wait: boolean): Promise<number[]> {
  const a2 = HOSTS.find((h) => h.name === 'a2')!;
  const out: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    const q = wait ? '?wait=10' : '';
    const stop = await api(s.base, 'POST', `/v1/hooks/vm-stop${q}`, { vm: 'a2' });
    if (stop.status !== 200) throw new Error(`vm-stop: ${stop.status}`);
    const t0 = performance.now();
    const r = await api(s.base, 'POST', `/v1/hooks/vm-start${q}`, vmStartBody(a2));
    out.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`vm-start: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const ready = mininetReadiness();
  if (ready === 'not-root') {
    console.log('skipped: needs root (Mininet, Open vSwitch)');
    return;
  }
  if (ready !== 'ready') throw new Error(ready.error);
  const members = HOSTS.filter((h) => h.network === 'netA' && !h.spare).length;
  console.log(`hook-to-realized: vm-start of one VM on netA (${members} members over a 4-switch ring, 12 hosts in all), 2 x ${CYCLES} cycles each way; ${cpus().length} CPUs, ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  for (const version of ['1.3', '1.0'] as Version[]) {
    const s = await E2eScenario.start(version, { auditIntervalMs: 60_000 });
    try {
      await registerAll(s.base);
      // Interleaved halves so load on the shared machine touches both alike.
      const durable: number[] = [];
      const realized: number[] = [];
      for (let round = 0; round < 2; round++) {
        durable.push(...(await measure(s, false)));
        realized.push(...(await measure(s, true)));
      }
      durable.sort((a, b) => a - b);
      realized.sort((a, b) => a - b);
      const line = (label: string, xs: number[]) => `${label} p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms, max ${xs[xs.length - 1]!.toFixed(1)} ms`;
      console.log(`OpenFlow ${version}: ${line('durable (no ?wait):', durable)}`);
      console.log(`OpenFlow ${version}: ${line('realized (?wait):  ', realized)}`);
      console.log(`OpenFlow ${version}: realization adds ${(pct(realized, 50) - pct(durable, 50)).toFixed(1)} ms at p50 (x${(pct(realized, 50) / pct(durable, 50)).toFixed(2)})`);
    } finally {
      await s.stop();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
