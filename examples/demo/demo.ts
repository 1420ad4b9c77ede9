// `npm run demo` (as root): a Mininet fat-tree (topology/fattree.yaml: four
// edge and two aggregation switches, eight hosts), Spotlight in front of it,
// two tenants with a private network each and a public segment with a
// gateway. It pings every ordered pair of hosts and prints the reachability
// matrix next to what the contract allows, runs every `spotlight` example of
// the README against it, then tears everything down. The web view's address
// is printed once the fabric is up.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClientCommand } from '../../src/client/index.js';
import { loadDescription, type DescribedHost } from '../../src/topo/description.js';
import { api, startController, stopController, type ControllerProcess } from '../../test/support/e2e.js';
import { until } from '../../test/support/wait.js';
import { MininetNetwork, mininetReadiness } from '../../test/support/mininet.js';

const FATTREE = fileURLToPath(new URL('../../topology/fattree.yaml', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

export interface ReadmeExample {
  /** The command line as the README writes it. */
  line: string;
  /** Text the README's comment under it says the output holds ("# ... TEXT"). */
  shows?: string;
}

/**
 * Every `spotlight ...` line of the sh blocks in the README's "Operating"
 * section (what an operator runs against the quick start's controller), with
 * the output its comment promises. Other sections' commands need other
 * machines (several controllers, an etcd cluster) and are not run here.
 */
export function readmeExamples(readme = readFileSync(README, 'utf8')): ReadmeExample[] {
  const start = readme.indexOf('\n## Operating\n');
  if (start < 0) throw new Error('the README has no "Operating" section');
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end < 0 ? undefined : end);
  const out: ReadmeExample[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('spotlight ')) out.push({ line });
      const promise = /^# \.\.\. (.+)$/.exec(line);
      if (promise && out.length) out[out.length - 1]!.shows = promise[1]!;
    }
  }
  return out;
}

/** Runs each README example against the API; explain and trace may exit 3 (denied, dropped). */
async function runReadmeExamples(base: string, dir: string, out: (line: string) => void): Promise<string[]> {
  const failures: string[] = [];
  for (const ex of readmeExamples()) {
    const [cmd, target] = ex.line.split(/\s+>\s+/) as [string, string | undefined];
    const args = cmd.split(/\s+/).slice(1);
    let text = '';
    let err = '';
    const code = await runClientCommand(args, { out: (t) => (text += t), err: (t) => (err += t), env: { SPOTLIGHT_URL: base } });
    if (target) writeFileSync(join(dir, target), text);
    out(`$ ${ex.line}`);
    const lines = (target ? `(${text.length} bytes written to ${target})\n` : text).trimEnd().split('\n');
    for (const l of lines.slice(0, 12)) out(`  ${l}`);
    if (lines.length > 12) out(`  ... (${lines.length - 12} more lines)`);
    const okCode = code === 0 || (code === 3 && /^(trace|explain)$/.test(args[0]!));
    if (!okCode) failures.push(`${ex.line}: exit ${code} ${err.trim()}`);
    else if (ex.shows && !text.includes(ex.shows)) failures.push(`${ex.line}: the output does not show "${ex.shows}"`);
  }
  return failures;
}

/** Who is who in the demo: a VM of a tenant on a network, or the public segment's gateway. */
export interface DemoRole {
  host: string;
  network: string;
  tenant: string;
  gateway?: boolean;
}

export const DEMO_NETWORKS = [
  { name: 'red-net', tenant: 'red', kind: 'private' as const },
  { name: 'blue-net', tenant: 'blue', kind: 'private' as const },
  { name: 'public', tenant: 'isp', kind: 'public' as const },
];

export const DEMO_ROLES: DemoRole[] = [
  { host: 'h1', network: 'red-net', tenant: 'red' },
  { host: 'h5', network: 'red-net', tenant: 'red' },
  { host: 'h2', network: 'blue-net', tenant: 'blue' },
  { host: 'h6', network: 'blue-net', tenant: 'blue' },
  { host: 'h3', network: 'public', tenant: 'red' },
  { host: 'h7', network: 'public', tenant: 'red' },
  { host: 'h4', network: 'public', tenant: 'blue' },
  { host: 'h8', network: 'public', tenant: 'isp', gateway: true },
];

/** The contract's answer from the table above alone (docs/contract.md, "Networks"). */
export function contractAllows(a: DemoRole, b: DemoRole): boolean {
  if (a.host === b.host || a.network !== b.network) return false;
  const kind = DEMO_NETWORKS.find((n) => n.name === a.network)!.kind;
  return kind === 'private' || !!a.gateway || !!b.gateway || a.tenant === b.tenant;
}

export type Matrix = Map<string, boolean>;

export function renderMatrix(title: string, hosts: string[], m: Matrix): string {
  const lines = [title, `      ${hosts.map((h) => h.padEnd(4)).join('')}`.trimEnd()];
  for (const a of hosts) lines.push(`  ${a.padEnd(4)}${hosts.map((b) => (a === b ? ' .  ' : m.get(`${a}>${b}`) ? ' ok ' : ' -- ')).join('')}`.trimEnd());
  return lines.join('\n');
}

/** Reads a matrix back from renderMatrix's text (the demo test checks the printed output). */
export function parseMatrix(text: string, title: string): Matrix {
  const lines = text.split('\n');
  const at = lines.indexOf(title);
  const hosts = lines[at + 1]!.trim().split(/\s+/);
  const m: Matrix = new Map();
  hosts.forEach((a, i) => {
    const cells = lines[at + 2 + i]!.slice(6).match(/.{1,4}/g)!;
    hosts.forEach((b, j) => {
      if (a !== b) m.set(`${a}>${b}`, cells[j]!.trim() === 'ok');
    });
  });
  return m;
}

const portName = (h: DescribedHost): string => `${h.switch}-eth${h.port}`;

export interface DemoResult {
  measured: Matrix;
  expected: Matrix;
  hosts: string[];
  matches: boolean;
  /** Every README example ran as the README says. */
  examplesOk: boolean;
}

export async function runDemo(out: (line: string) => void = (l) => console.log(l)): Promise<DemoResult> {
  const desc = await loadDescription(FATTREE);
  if (!desc.ok) throw new Error(`topology/fattree.yaml: ${desc.error.message}`);
  const byName = new Map(desc.description.hosts.map((h) => [h.name, h]));
  const dpidOf = new Map(desc.description.switches.map((s) => [s.name, s.dpid]));
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-demo-'));
  const config = join(dir, 'spotlight.yaml');
  writeFileSync(config, `topology: ${FATTREE}\ndiscovery:\n  probeIntervalMs: 500\n`);
  let controller: ControllerProcess | undefined;
  let net: MininetNetwork | undefined;
  try {
    out('starting Spotlight ...');
    controller = await startController({ dataDir: join(dir, 'data'), configFile: config });
    const base = controller.api;
    out(`Spotlight up: OpenFlow on 127.0.0.1:${controller.openflowPort}, API on ${base}`);
    out('building the Mininet fat-tree (4 edge + 2 aggregation switches, 8 hosts) ...');
    net = await MininetNetwork.start({ description: FATTREE, controller: `127.0.0.1:${controller.openflowPort}`, maxSeconds: 600 });
    const links = desc.description.links.length;
    await until('fabric discovered', async () => ((await api(base, 'GET', '/v1/topology')).body.links as unknown[]).length === links, { timeoutMs: 60_000, stepMs: 250, retryErrors: true });
    await until(
      'switches connected and realized',
      async () => {
        const sws = (await api(base, 'GET', '/v1/switches')).body.switches as { connected: boolean; realizedGeneration: number | null }[];
        return sws.length === dpidOf.size && sws.every((s) => s.connected && s.realizedGeneration !== null);
      },
      { timeoutMs: 60_000, stepMs: 250, retryErrors: true },
    );
    out(`fabric: ${dpidOf.size} switches, ${links} links discovered`);
    out(`web view: ${base}/ui/ (live while the demo runs)`);

    const write = async (method: string, path: string, body: unknown): Promise<void> => {
      const r = await api(base, method, `${path}?wait=10`, body);
      if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    for (const n of DEMO_NETWORKS) {
      const gateways = DEMO_ROLES.filter((r) => r.gateway && r.network === n.name).map((r) => {
        const h = byName.get(r.host)!;
        return { mac: h.mac!, ips: [h.ip!.split('/')[0]!], switch: dpidOf.get(h.switch)!, port: portName(h) };
      });
      await write('PUT', `/v1/networks/${n.name}`, { tenant: n.tenant, kind: n.kind, gateways });
    }
    for (const r of DEMO_ROLES.filter((x) => !x.gateway)) {
      const h = byName.get(r.host)!;
      await write('POST', '/v1/hooks/vm-start', {
        vm: r.host,
        tenant: r.tenant,
        interfaces: [{ mac: h.mac!, ips: [h.ip!.split('/')[0]!], network: r.network, switch: dpidOf.get(h.switch)!, port: portName(h) }],
      });
    }
    for (const r of DEMO_ROLES) out(`  ${r.host} on ${byName.get(r.host)!.switch}: ${r.gateway ? 'gateway of' : `tenant ${r.tenant},`} ${r.network}`);

    out('pinging every ordered pair ...');
    const hosts = DEMO_ROLES.map((r) => r.host).sort();
    const measured: Matrix = new Map();
    await Promise.all(
      hosts.map(async (src) => {
        const targets = hosts.filter((h) => h !== src);
        const script = targets.map((t) => `(ping -c2 -i0.3 -W1 -q ${byName.get(t)!.ip!.split('/')[0]} >/dev/null 2>&1 && echo OK ${t} || echo NO ${t}) &`).join(' ') + ' wait';
        const r = await net!.run(src, script, 30);
        for (const t of targets) measured.set(`${src}>${t}`, new RegExp(`^OK ${t}$`, 'm').test(r.output));
      }),
    );
    const roles = new Map(DEMO_ROLES.map((r) => [r.host, r]));
    const expected: Matrix = new Map();
    for (const a of hosts) for (const b of hosts) if (a !== b) expected.set(`${a}>${b}`, contractAllows(roles.get(a)!, roles.get(b)!));
    out('');
    out(renderMatrix('measured (ping):', hosts, measured));
    out('');
    out(renderMatrix('allowed by the contract:', hosts, expected));
    const wrong = [...expected].filter(([k, v]) => measured.get(k) !== v).map(([k]) => k);
    out('');
    out(wrong.length === 0 ? 'the measured matrix matches the contract' : `MISMATCH on ${wrong.join(', ')}`);
    out('');
    out('the README\'s examples:');
    const failures = await runReadmeExamples(base, dir, out);
    const count = readmeExamples().length;
    out(failures.length === 0 ? `README examples: ${count} run, all as documented` : `README examples FAILED:\n  ${failures.join('\n  ')}`);
    return { measured, expected, hosts, matches: wrong.length === 0, examplesOk: failures.length === 0 };
  } finally {
    out('tearing down ...');
    if (controller) await stopController(controller).catch(() => undefined);
    if (net) await net.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ready = mininetReadiness();
  if (ready !== 'ready') {
    console.error(ready === 'not-root' ? 'the demo builds a Mininet network: run it as root (sudo npm run demo)' : ready.error);
    process.exit(1);
  }
  runDemo().then(
    (r) => process.exit(r.matches && r.examplesOk ? 0 : 1),
    (err: unknown) => {
      console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
