// The controller process as users start it: `spotlight serve --openflow HOST:PORT`.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSwitch, port } from './support/fake-switch.js';

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  waitLine(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function startCli(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  const onData = (d: Buffer): void => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(text) as Record<string, unknown>;
      } catch {
        rec = { message: text };
      }
      lines.push(rec);
      for (const w of [...waiters]) if (w.pred(rec)) w.resolve(rec);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitLine(pred, timeoutMs = 15_000) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching log line; got ${JSON.stringify(lines)}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

describe('cli: spotlight serve', function () {
  this.timeout(30_000);
  let proc: Proc | undefined;
  afterEach(() => {
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`accepts switches, logs them with dpid, version and ports, and exits 0 on ${signal}`, async () => {
      const data = mkdtempSync(join(tmpdir(), 'spotlight-cli-'));
      proc = startCli(['serve', '--openflow', '127.0.0.1:0', '--api', '127.0.0.1:0', '--data', data, '--log-level', 'info']);
      const listening = await proc.waitLine((l) => l.message === 'listening for switches');
      const ofPort = Number(listening.port);
      expect(ofPort).to.be.greaterThan(0);
      const started = await proc.waitLine((l) => l.message === 'controller started');
      expect(started.data).to.equal(data);

      const sw = await FakeSwitch.connect({ port: ofPort, datapathId: 0x99n, bitmap: [1, 4], ports: [port(1, 'vnet0'), port(2, 'vnet1')] });
      const up = await proc.waitLine((l) => l.message === 'switch connected');
      expect(up).to.include({ dpid: '0000000000000099', version: '1.3' });
      expect(up.ports).to.deep.equal(['1:vnet0', '2:vnet1']);

      proc.child.kill(signal);
      expect(await proc.exited).to.equal(0);
      rmSync(data, { recursive: true, force: true });
      await sw.whenClosed;
      expect(proc.lines.some((l) => l.message === 'switch disconnected' && l.dpid === '0000000000000099' && l.level === 'warn')).to.equal(true);
    });
  }

  it('rejects a malformed --openflow address', async () => {
    proc = startCli(['serve', '--openflow', 'nonsense']);
    expect(await proc.exited).to.not.equal(0);
    expect(proc.lines.map((l) => String(l.message)).join('\n')).to.match(/HOST:PORT/);
  });
});
