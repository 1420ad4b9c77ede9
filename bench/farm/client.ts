// The bench's side of the farm: starts bench/farm/main.ts as a child process
// and sends it commands (control.ts) as awaited calls.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ArpResult } from './arp-tracker.js';
import type { FarmSpec, SwitchInfo } from './fabric.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface ArpAskArgs {
  switch: string;
  port: string;
  mac: string;
  ip: string;
  targetIp: string;
  expectMac?: string;
}

export class FarmClient {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<number | null>;

  private constructor() {
    // Hundreds of bridges with tens of thousands of flows each outgrow Node's default heap.
    this.child = spawn(process.execPath, ['--max-old-space-size=16384', '--import', 'tsx', MAIN], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      for (const w of this.waiting.values()) w.reject(new Error('the farm process exited'));
      this.waiting.clear();
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const a = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
      const w = this.waiting.get(a.id);
      if (!w) return;
      this.waiting.delete(a.id);
      if (a.ok) w.resolve(a.result);
      else w.reject(new Error(`farm: ${a.error}`));
    });
  }

  static async start(spec: FarmSpec): Promise<FarmClient> {
    const f = new FarmClient();
    await f.call('start', spec as unknown as Record<string, unknown>);
    return f;
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T = unknown>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(JSON.stringify({ id, cmd, args }) + '\n');
    });
  }

  switches(): Promise<SwitchInfo[]> {
    return this.call('switches');
  }

  waitUp(timeoutMs: number): Promise<{ up: number; total: number }> {
    return this.call('waitUp', { timeoutMs });
  }

  addPort(sw: string, name: string): Promise<{ portNo: number }> {
    return this.call('addPort', { switch: sw, name });
  }

  removePort(sw: string, name: string): Promise<{ portNo: number }> {
    return this.call('removePort', { switch: sw, name });
  }

  arp(ask: ArpAskArgs, timeoutMs = 2000): Promise<ArpResult> {
    return this.call('arp', { ...ask, timeoutMs });
  }

  rarp(sw: string, port: string, mac: string): Promise<{ sent: boolean }> {
    return this.call('rarp', { switch: sw, port, mac });
  }

  arpFlood(requests: ArpAskArgs[], durationMs: number, window: number): Promise<Record<string, number>> {
    return this.call('arpFlood', { requests, durationMs, window } as unknown as Record<string, unknown>);
  }

  /** Counters; `window` also closes the farm process's own load window (CPU, event-loop delay). */
  stats<T = Record<string, unknown>>(perSwitch = false, window = false): Promise<T> {
    return this.call('stats', { perSwitch, window });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.call('stop').catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}
