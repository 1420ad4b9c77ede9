// ARP requests that VMs of the farm send, and the replies the controller sends
// back out of their ports: each reply is matched to the oldest request from
// that port for that address, and checked (the answer's MAC is the one the
// bench expects, and it is addressed to the VM that asked). A request without
// an answer within its timeout counts as unanswered.
import { arpReply, arpRequest } from './frames.js';

export interface ArpResult {
  answered: boolean;
  /** The answer named the expected MAC and was addressed to the asker. */
  correct: boolean;
  ms: number;
}

export interface ArpCounters {
  sent: number;
  /** Requests the controller could not be given (the switch's session was down). */
  notSent: number;
  answered: number;
  correct: number;
  wrong: number;
  timedOut: number;
  /** Replies that matched no request. */
  unsolicited: number;
}

interface Waiter {
  key: string;
  mac: string;
  expectMac: string | undefined;
  sentAt: number;
  deadline: number;
  resolve: (r: ArpResult) => void;
}

export interface ArpAsk {
  switch: string;
  portNo: number;
  mac: string;
  ip: string;
  targetIp: string;
  /** The MAC the answer must give; unchecked when absent. */
  expectMac?: string;
}

export class ArpTracker {
  readonly counters: ArpCounters = { sent: 0, notSent: 0, answered: 0, correct: 0, wrong: 0, timedOut: 0, unsolicited: 0 };
  private readonly pending = new Map<string, Waiter[]>();
  private readonly all = new Set<Waiter>();
  /** Request frames already built (a flood asks the same questions in turn). */
  private readonly frames = new Map<string, Uint8Array>();

  constructor(private readonly send: (sw: string, portNo: number, frame: Uint8Array) => boolean) {}

  request(ask: ArpAsk, timeoutMs: number): Promise<ArpResult> {
    const mac = ask.mac.toLowerCase();
    if (!this.send(ask.switch, ask.portNo, this.frame(mac, ask.ip, ask.targetIp))) {
      this.counters.notSent++;
      return Promise.resolve({ answered: false, correct: false, ms: 0 });
    }
    this.counters.sent++;
    const key = `${ask.switch}/${ask.portNo}/${ask.targetIp}/${ask.ip}`;
    return new Promise((resolve) => {
      const now = performance.now();
      const w: Waiter = { key, mac, expectMac: ask.expectMac?.toLowerCase(), sentAt: now, deadline: Date.now() + timeoutMs, resolve };
      const q = this.pending.get(key);
      if (q) q.push(w);
      else this.pending.set(key, [w]);
      this.all.add(w);
    });
  }

  private frame(mac: string, ip: string, targetIp: string): Uint8Array {
    const key = `${mac}/${ip}/${targetIp}`;
    let f = this.frames.get(key);
    if (!f) {
      if (this.frames.size >= 100_000) this.frames.clear();
      f = arpRequest(mac, ip, targetIp);
      this.frames.set(key, f);
    }
    return f;
  }

  /** A frame left the farm's bridge `sw` by a VM's port; whether it was an ARP reply. */
  delivered(sw: string, portNo: number, frame: Uint8Array): boolean {
    const r = arpReply(frame);
    if (!r) return false;
    const key = `${sw}/${portNo}/${r.spa}/${r.tpa}`;
    const q = this.pending.get(key);
    const w = q?.shift();
    if (!w) {
      this.counters.unsolicited++;
      return true;
    }
    if (q!.length === 0) this.pending.delete(key);
    this.all.delete(w);
    const correct = r.tha === w.mac && (w.expectMac === undefined || r.sha === w.expectMac);
    this.counters.answered++;
    if (correct) this.counters.correct++;
    else this.counters.wrong++;
    w.resolve({ answered: true, correct, ms: performance.now() - w.sentAt });
    return true;
  }

  expire(now: number): void {
    for (const w of this.all) {
      if (w.deadline > now) continue;
      this.all.delete(w);
      const q = this.pending.get(w.key);
      if (q) {
        q.splice(q.indexOf(w), 1);
        if (q.length === 0) this.pending.delete(w.key);
      }
      this.counters.timedOut++;
      w.resolve({ answered: false, correct: false, ms: now - w.deadline });
    }
  }
}
