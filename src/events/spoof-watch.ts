// Spoof-drop surges for the event stream: each time the reconciler reads a
// switch's flows (connect, audit), the anti-spoofing drop counters are
// compared with the previous read; a rise of at least `threshold` packets on
// one counter is an event naming the switch, the stage and the port.
import { spoofCounts } from '../compiler/spoof.js';
import { wrapSession, type ReadFlowsResult, type SwitchSession } from '../reconcile/ports.js';
import type { EventBus } from './bus.js';

/** Packets between two reads of one counter that make a surge. */
export const DEFAULT_SURGE_PACKETS = 100;

export class SpoofWatch {
  private readonly last = new Map<string, bigint>();

  constructor(
    private readonly bus: EventBus,
    private readonly threshold = DEFAULT_SURGE_PACKETS,
  ) {}

  /** Wraps a session so every flow read is also checked for surges. */
  wrap(inner: SwitchSession): SwitchSession {
    const check = (r: ReadFlowsResult): ReadFlowsResult => {
      if (r.ok) this.observe(inner.dpid, inner.version, r.flows);
      return r;
    };
    return wrapSession(inner, { readFlows: async () => check(await inner.readFlows()) });
  }

  observe(dpid: string, version: SwitchSession['version'], flows: Parameters<typeof spoofCounts>[1]): void {
    for (const c of spoofCounts(version, flows)) {
      const key = `${dpid}/${c.stage}/${c.port}`;
      const before = this.last.get(key);
      this.last.set(key, c.packets);
      // The first read only sets the baseline; a counter that went down was reinstalled.
      if (before === undefined || c.packets < before) continue;
      const rise = c.packets - before;
      if (rise >= BigInt(this.threshold)) {
        this.bus.publish('spoof-drops', { switch: dpid, stage: c.stage, port: c.port, packets: Number(rise), total: Number(c.packets) });
      }
    }
  }
}
