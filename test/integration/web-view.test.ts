// The web view in a real browser (Debian's chromium, headless, driven by
// puppeteer-core; nothing downloaded) against `spotlight serve` with a
// Mininet ring of four Open vSwitch switches, for OpenFlow 1.0 and 1.3: the
// login takes the API token, the graph shows exactly the discovered links,
// explain draws its path on the graph, and a cut link turns to "lost" on the
// page through the event stream, and each switch's table entries show
// against the budget its capacity gives. Each run saves a screenshot and names it in
// the test log.
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { descriptionYaml, dpidOf, HOSTS, startController, stopController, vmStartBody, type ControllerProcess, type Version } from '../support/e2e.js';
import { until } from '../support/wait.js';
import { MininetNetwork, mininetReadiness } from '../support/mininet.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'web-view-test-token';

interface PageView {
  edges: { a: string; b: string; up: boolean; path: boolean }[];
  nodes: { id: string; offline: boolean }[];
}

async function view(page: Page): Promise<PageView> {
  return page.evaluate(() => {
    const ui = (globalThis as unknown as { spotlightUi?: { cy: { edges(): unknown[]; nodes(): unknown[] } } }).spotlightUi;
    type El = { data(k: string): string; hasClass(c: string): boolean; id(): string };
    if (!ui) return { edges: [], nodes: [] };
    return {
      edges: (ui.cy.edges() as El[]).map((e) => ({ a: e.data('source'), b: e.data('target'), up: !e.hasClass('down'), path: e.hasClass('path') })),
      nodes: (ui.cy.nodes() as El[]).map((n) => ({ id: n.id(), offline: n.hasClass('offline') })),
    };
  });
}

const pair = (a: string, b: string): string => [a, b].sort().join('~');

for (const version of ['1.0', '1.3'] as Version[]) {
  describe(`web view in chromium (OpenFlow ${version})`, function () {
    this.timeout(300_000);
    let dir: string;
    let controller: ControllerProcess | undefined;
    let net: MininetNetwork | undefined;
    let browser: Browser | undefined;

    before(async function () {
      if (mininetReadiness() !== 'ready' || !existsSync(CHROMIUM)) this.skip();
      dir = mkdtempSync(join(tmpdir(), 'spotlight-web-'));
      const desc = join(dir, 'ring.yaml');
      writeFileSync(desc, descriptionYaml(version));
      const config = join(dir, 'spotlight.yaml');
      writeFileSync(config, [`topology: ${desc}`, `api: {token: ${TOKEN}}`, 'discovery: {probeIntervalMs: 500}', ''].join('\n'));
      controller = await startController({ dataDir: join(dir, 'data'), configFile: config });
      net = await MininetNetwork.start({ description: desc, controller: `127.0.0.1:${controller.openflowPort}`, openflow: version, maxSeconds: 280 });
      browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--window-size=1400,900'] });
    });

    after(async () => {
      await browser?.close().catch(() => undefined);
      if (controller) await stopController(controller).catch(() => undefined);
      await net?.stop().catch(() => undefined);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(controller!.api + path, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('shows the discovered links, draws explain on the graph, and shows a cut link change', async () => {
      const links = await until('the ring discovered', async () => {
        const l = (await call('GET', '/v1/topology')).body.links as { a: { switch: string }; b: { switch: string } }[];
        return l.length === 4 ? l : undefined;
      }, { timeoutMs: 60_000, stepMs: 250, retryErrors: true });
      expect((await call('PUT', '/v1/networks/netA', { tenant: 'A', kind: 'private', cidrs: ['10.1.0.0/24'] })).status).to.equal(200);
      for (const h of HOSTS.filter((x) => x.name === 'a1' || x.name === 'a2')) expect((await call('POST', '/v1/hooks/vm-start?wait=10', vmStartBody(h))).status).to.equal(200);

      const page = await browser!.newPage();
      await page.setViewport({ width: 1400, height: 900 });
      await page.goto(`${controller!.api}/ui/`);
      expect(page.url(), 'the token is asked first').to.match(/\/ui\/login\.html$/);
      await page.type('#token', TOKEN);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(page.url()).to.match(/\/ui\/$/);

      // The graph holds exactly the links the controller discovered, all up, and the four switches connected.
      await page.waitForFunction(() => (globalThis as unknown as { spotlightUi?: { cy: { edges(): { length: number } } } }).spotlightUi?.cy.edges().length === 4, { timeout: 20_000 });
      let v = await view(page);
      expect(v.edges.map((e) => pair(e.a, e.b)).sort()).to.deep.equal(links.map((l) => pair(l.a.switch, l.b.switch)).sort());
      expect(v.edges.every((e) => e.up)).to.equal(true);
      expect(v.nodes.map((n) => n.id).sort()).to.deep.equal(['s1', 's2', 's3', 's4'].map(dpidOf));
      expect(v.nodes.every((n) => !n.offline)).to.equal(true);
      const rows = await page.$$eval('#switches tbody tr', (trs) => trs.map((tr) => (tr as unknown as { innerText: string }).innerText));
      expect(rows).to.have.length(4);
      for (const r of rows) expect(r).to.contain(version);
      // Table entries against the budget, as GET /v1/switches gives them: the capacity each switch reported (Open vSwitch's max_entries).
      const tables = await until('every switch budgeted', async () => {
        const sws = (await call('GET', '/v1/switches')).body.switches as { dpid: string; table: { used: number; budget: number | null } }[];
        return sws.every((x) => x.table.budget !== null && x.table.used > 0) ? sws : undefined;
      }, { stepMs: 250, retryErrors: true });
      await page.waitForFunction(
        (want: string[]) => {
          const doc = (globalThis as unknown as { document: { querySelectorAll(q: string): ArrayLike<{ textContent: string | null }> } }).document;
          const got = Array.from(doc.querySelectorAll('#switches tbody td.budget')).map((td) => td.textContent ?? '');
          return want.every((w) => got.includes(w));
        },
        { timeout: 20_000 },
        tables.map((x) => `${x.table.used} / ${x.table.budget}`),
      );
      const budgets = await page.$$eval('#switches tbody tr', (trs) => trs.map((tr) => ({ dpid: (tr as unknown as { dataset: { dpid: string } }).dataset.dpid, text: (tr as unknown as { querySelector(q: string): { textContent: string } }).querySelector('td.budget').textContent })));
      expect(budgets.sort((a, b) => a.dpid.localeCompare(b.dpid))).to.deep.equal(tables.map((x) => ({ dpid: x.dpid, text: `${x.table.used} / ${x.table.budget}` })).sort((a, b) => a.dpid.localeCompare(b.dpid)));
      expect(tables.every((x) => x.table.budget === (version === '1.3' ? 6 : 1) * 1_000_000), 'Open vSwitch reports 1,000,000 entries per table').to.equal(true);
      expect(await page.$eval('#stream', (e) => e.textContent)).to.equal('event stream: live');
      expect(await page.$eval('#networks', (e) => (e as unknown as { innerText: string }).innerText)).to.contain('netA').and.contain('a1').and.contain('a2');

      // explain a1 -> a2 (s1 to s3 across the ring): the verdict and its path on the graph.
      await page.select('#from', 'a1');
      await page.select('#to', 'a2');
      await page.click('#explain button');
      await page.waitForFunction(() => ((globalThis as unknown as { document: { getElementById(id: string): { textContent: string | null } | null } }).document.getElementById('explain-out')?.textContent ?? '').includes('ALLOWED'), { timeout: 10_000 });
      v = await view(page);
      expect(v.edges.filter((e) => e.path).length, 'the path from s1 to s3 crosses two links').to.be.at.least(2);

      // Cut s1-s2: the page learns it from the event stream and draws the link as lost.
      await net!.link('s1', 's2', 'down');
      const s12 = pair(dpidOf('s1'), dpidOf('s2'));
      await page.waitForFunction(
        (key: string) => {
          const ui = (globalThis as unknown as { spotlightUi: { cy: { edges(): { data(k: string): string; hasClass(c: string): boolean }[] } } }).spotlightUi;
          return ui.cy.edges().some((e) => [e.data('source'), e.data('target')].sort().join('~') === key && e.hasClass('down'));
        },
        { timeout: 20_000 },
        s12,
      );
      v = await view(page);
      expect(v.edges.filter((e) => !e.up).map((e) => pair(e.a, e.b))).to.deep.equal([s12]);
      expect(await page.$eval('#events', (e) => (e as unknown as { innerText: string }).innerText)).to.contain('link-down');
      const shot = join(tmpdir(), `spotlight-web-view-of${version.replace('.', '')}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`      screenshot: ${shot}`);
      await net!.link('s1', 's2', 'up');
    });
  });
}
