// Hooks against one running `spotlight serve` (on etcd or on LevelDB), for
// bench/failover.ts: vm-start throughput with several clients (answered once
// durable, no ?wait), and hook-to-realized latency (vm-start?wait, one at a
// time: answered once every switch concerned confirmed the flows by barrier).
// Each target has a network of its own on each of its bridges, with one
// resident VM, so a VM that starts has a peer to reach on its switch.
import { performance } from 'node:perf_hooks';

export interface HookTarget {
  label: string;
  /** API base URL of the instance the hooks go to. */
  url: string;
  token: string;
  /** Its bridges' dpids; VMs bind to ports 1..PORTS on them. */
  dpids: string[];
  /** A /16 of its own ("10.71"), so targets never share addresses. */
  net16: string;
  tenant: string;
}

export interface HookFigures {
  /** vm-start?wait latencies, ms. */
  realized: number[];
  /** vm-start answered once durable: how many and in how long. */
  burst: { hooks: number; seconds: number };
}

/** Internal ports each bridge needs (ofport 1..PORTS). */
export const PORTS = 4;

async function call(t: HookTarget, method: string, path: string, body: unknown): Promise<void> {
  const send = () =>
    fetch(t.url + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  let r: Response;
  try {
    r = await send();
  } catch (e) {
    // A kept-alive connection the server closed as idle just as the request left: sent again once (hooks are idempotent).
    const code = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (code !== 'ECONNRESET' && code !== 'EPIPE' && code !== 'UND_ERR_SOCKET') throw e;
    r = await send();
  }
  // 503 store_unavailable: etcd did not confirm in time and the write may or may not be stored; the API asks for the call again (writes are idempotent). Counted and printed.
  for (let again = 0; r.status === 503 && again < 3; again++) {
    const text = await r.text();
    if (!text.includes('"store_unavailable"')) throw new Error(`${t.label}: ${method} ${path}: 503 ${text}`);
    repeated.set(t.label, (repeated.get(t.label) ?? 0) + 1);
    r = await send();
  }
  if (r.status !== 200) throw new Error(`${t.label}: ${method} ${path}: ${r.status} ${await r.text()}`);
}

/** Per target label, hooks sent again after a 503 store_unavailable. */
export const repeated = new Map<string, number>();

/** One network per bridge, so no hook needs a path between the bridges (they are not linked). */
const network = (t: HookTarget, bridge: number) => `bench-${t.label.replace(/[^a-z0-9-]/g, '-')}-${bridge}`;

/** The VM with number n (0..32,000) of target t, on bridge n % bridges (in its network there), port 1 + n % PORTS. */
function vm(t: HookTarget, n: number): Record<string, unknown> {
  const hex = (x: number) => x.toString(16).padStart(2, '0');
  const [a, b] = t.net16.split('.').map(Number) as [number, number];
  const bridge = n % t.dpids.length;
  const k = Math.floor(n / t.dpids.length);
  return {
    vm: `${t.label}-vm${n}`,
    tenant: t.tenant,
    interfaces: [{
      mac: `02:${hex(a)}:${hex(b)}:00:${hex(n >> 8)}:${hex(n & 0xff)}`,
      ips: [`${t.net16}.${bridge * 64 + 1 + Math.floor(k / 250)}.${1 + (k % 250)}`],
      network: network(t, bridge),
      switch: t.dpids[bridge],
      port: 1 + (n % PORTS),
    }],
  };
}

/** A network per bridge (a /18 of the target's /16) with one resident VM, each written with ?wait. */
export async function prepareTarget(t: HookTarget): Promise<void> {
  for (let i = 0; i < t.dpids.length; i++) {
    await call(t, 'PUT', `/v1/networks/${network(t, i)}?wait=10`, { tenant: t.tenant, kind: 'private', cidrs: [`${t.net16}.${i * 64}.0/18`] });
    await call(t, 'POST', '/v1/hooks/vm-start?wait=10', vm(t, i));
  }
}

/**
 * One round: `cycles` times vm-start?wait then vm-stop?wait of one VM (the
 * start is timed), then `burst` vm-starts by `clients` clients at once (no
 * ?wait), stopped again afterwards. `round` keeps the VMs of rounds apart.
 */
export async function hookRound(t: HookTarget, round: number, opts: { cycles: number; burst: number; clients: number }): Promise<HookFigures> {
  const realized: number[] = [];
  const base = 1000 + round * 10_000;
  for (let i = 0; i < opts.cycles; i++) {
    const v = vm(t, base + i);
    const t0 = performance.now();
    await call(t, 'POST', '/v1/hooks/vm-start?wait=10', v);
    realized.push(performance.now() - t0);
    await call(t, 'POST', '/v1/hooks/vm-stop?wait=10', { vm: v.vm });
  }
  const first = base + 5000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: opts.clients }, async () => {
      for (let i = next++; i < opts.burst; i = next++) await call(t, 'POST', '/v1/hooks/vm-start', vm(t, first + i));
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  next = 0;
  await Promise.all(
    Array.from({ length: opts.clients }, async () => {
      for (let i = next++; i < opts.burst; i = next++) await call(t, 'POST', '/v1/hooks/vm-stop', { vm: vm(t, first + i).vm });
    }),
  );
  return { realized, burst: { hooks: opts.burst, seconds } };
}
