// The events of a running cloud, each as the compute side and the switches
// produce it: a VM starts (its tap appears by PORT_STATUS, then vm-start
// ?wait), a VM stops (vm-stop ?wait, then its tap goes), a VM migrates
// (migration-start ?wait, its tap appears at the destination, QEMU's RARP
// from there, migration-end ?wait, the source tap goes), a VM sends an ARP
// request for a neighbour (answered by the controller through the switch), a
// tap appears or goes with no VM behind it. Events run at a fixed rate, not
// waiting for each other; each one's time and outcome are kept by kind.
import type { FarmClient } from '../farm/client.js';
import type { BenchVm, Cloud } from './cloud.js';
import { request } from './http.js';

export type EventKind = 'vm-start' | 'vm-stop' | 'migration' | 'arp' | 'tap-add' | 'tap-remove';

export interface KindTally {
  sent: number;
  ok: number;
  /** ?wait ran out (504) or the ARP went unanswered. */
  late: number;
  failed: number;
  /** Not sent: the controller was too far behind (too many events in flight), or no VM fit. */
  skipped: number;
  ms: number[];
  errors: string[];
}

export interface EventDeps {
  api: string;
  farm: FarmClient;
  cloud: Cloud;
  waitS: number;
}

export const newTally = (): KindTally => ({ sent: 0, ok: 0, late: 0, failed: 0, skipped: 0, ms: [], errors: [] });

const spare = { next: 0, up: [] as { switch: string; port: string }[] };

/** Runs one event of `kind`; its outcome goes to `t`. False when no VM fit (nothing sent). */
export async function runEvent(kind: EventKind, d: EventDeps, t: KindTally): Promise<boolean> {
  // The time kept: from the hook (a vm-start's tap is already there), or the whole migration.
  let t0 = performance.now();
  const done = (status: 'ok' | 'late' | 'failed', error?: string): true => {
    t[status]++;
    if (status !== 'failed') t.ms.push(performance.now() - t0);
    if (error && t.errors.length < 5) t.errors.push(error);
    return true;
  };
  const hook = async (path: string, body: unknown): Promise<'ok' | 'late' | string> => {
    const r = await request(d.api, 'POST', `${path}?wait=${d.waitS}`, body, (d.waitS + 120) * 1000);
    if (r.status === 200) return 'ok';
    if (r.status === 504) return 'late';
    return `${path}: ${r.status} ${r.body.slice(0, 200)}`;
  };
  const outcome = (r: 'ok' | 'late' | string): true => (r === 'ok' || r === 'late' ? done(r) : done('failed', r));
  switch (kind) {
    case 'vm-start': {
      const vm = d.cloud.any(false);
      if (!vm) return false;
      t.sent++;
      return claim(vm, async () => {
        await d.farm.addPort(vm.switch, vm.tap);
        t0 = performance.now();
        const r = await hook('/v1/hooks/vm-start', d.cloud.startBody(vm));
        vm.running = r === 'ok' || r === 'late';
        return outcome(r);
      });
    }
    case 'vm-stop': {
      const vm = d.cloud.any(true);
      if (!vm) return false;
      t.sent++;
      return claim(vm, async () => {
        const r = await hook('/v1/hooks/vm-stop', { vm: vm.name });
        await d.farm.removePort(vm.switch, vm.tap);
        vm.running = false;
        return outcome(r);
      });
    }
    case 'migration': {
      const vm = d.cloud.any(true);
      if (!vm) return false;
      t.sent++;
      return claim(vm, async () => {
        const from = vm.switch;
        const to = d.cloud.otherEdge(from);
        const start = await hook('/v1/hooks/migration-start', { vm: vm.name, interfaces: [{ mac: vm.mac, switch: to, port: vm.tap }] });
        if (start !== 'ok' && start !== 'late') return outcome(start);
        await d.farm.addPort(to, vm.tap);
        await d.farm.rarp(to, vm.tap, vm.mac);
        const end = await hook('/v1/hooks/migration-end', { vm: vm.name });
        await d.farm.removePort(from, vm.tap);
        vm.switch = to;
        return outcome(start === 'ok' ? end : start);
      });
    }
    case 'arp': {
      const pair = d.cloud.arpPair();
      if (!pair) return false;
      t.sent++;
      const r = await d.farm.arp({ switch: pair.from.switch, port: pair.from.tap, mac: pair.from.mac, ip: pair.from.ip, targetIp: pair.to.ip, expectMac: pair.to.mac }, 5000);
      if (r.answered && !r.correct) return done('failed', `wrong ARP answer for ${pair.to.ip}`);
      return done(r.answered ? 'ok' : 'late');
    }
    case 'tap-add': {
      const port = { switch: d.cloud.spec.edges[d.cloud.pick(d.cloud.spec.edges.length)]!, port: `spare${spare.next++}` };
      t.sent++;
      await d.farm.addPort(port.switch, port.port);
      spare.up.push(port);
      return done('ok');
    }
    case 'tap-remove': {
      const port = spare.up.shift();
      if (!port) return false;
      t.sent++;
      await d.farm.removePort(port.switch, port.port);
      return done('ok');
    }
  }
}

async function claim(vm: BenchVm, fn: () => Promise<true>): Promise<true> {
  vm.busy = true;
  try {
    return await fn();
  } finally {
    vm.busy = false;
  }
}

/**
 * Events at `rate` per second for `seconds`, each of a kind drawn by `weights`,
 * at most `maxInFlight` at once (beyond that an event is skipped and counted);
 * then waits for those in flight. The tallies by kind.
 */
export async function runAtRate(
  d: EventDeps,
  weights: Partial<Record<EventKind, number>>,
  rate: number,
  seconds: number,
  maxInFlight: number,
): Promise<Record<EventKind, KindTally>> {
  const tallies = Object.fromEntries((Object.keys(weights) as EventKind[]).map((k) => [k, newTally()])) as Record<EventKind, KindTally>;
  const kinds = Object.entries(weights) as [EventKind, number][];
  const total = kinds.reduce((s, [, w]) => s + w, 0);
  const n = Math.round(rate * seconds);
  const t0 = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let x = d.cloud.pick(1_000_000) / 1_000_000 * total;
    const kind = kinds.find(([, w]) => (x -= w) < 0)?.[0] ?? kinds[0]![0];
    const t = tallies[kind];
    if (inFlight.size >= maxInFlight) {
      t.skipped++;
      continue;
    }
    const p: Promise<unknown> = runEvent(kind, d, t)
      .then((sent) => void (sent ? undefined : t.skipped++))
      .catch((e: unknown) => {
        t.failed++;
        if (t.errors.length < 5) t.errors.push(String(e));
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return tallies;
}
