// The controller's event-loop delay. perf_hooks.monitorEventLoopDelay runs a
// timer every RESOLUTION_MS and records the time between two ticks; exported
// at scrape time over the samples since the previous scrape, then reset (as
// prom-client's own nodejs_eventloop_lag_* do), with the timer's interval
// taken off each sample (an idle loop would otherwise read 10 ms).
// A reset also forgets when the last tick was, so the monitor drops the first
// interval after each scrape; a stall that starts right then would be missed.
// The longest delay therefore comes from a timer of our own that keeps the
// longest gap between its ticks since the previous scrape.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

export const EVENT_LOOP_RESOLUTION_MS = 10;

export function registerEventLoopDelay(registry: Registry): { stop(): void } {
  const h = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  h.enable();
  let lastTick = performance.now();
  let longestGapMs = 0;
  const watch = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - lastTick);
    lastTick = now;
  }, EVENT_LOOP_RESOLUTION_MS);
  watch.unref();
  const late = (ms: number): number => Math.max(0, ms - EVENT_LOOP_RESOLUTION_MS) / 1000;
  // Registered first: its collect sets the sample count below before that is rendered.
  new Gauge({
    name: 'spotlight_event_loop_delay_seconds',
    help:
      'Event-loop delay since the previous scrape (a 10 ms timer, its interval taken off): quantile 0.5 and 0.99 ' +
      'of the samples (perf_hooks.monitorEventLoopDelay), and 1 for the longest, the gap in progress included',
    labelNames: ['quantile'] as const,
    registers: [registry],
    collect() {
      const now = performance.now();
      this.set({ quantile: '0.5' }, late(h.percentile(50) / 1e6));
      this.set({ quantile: '0.99' }, late(h.percentile(99) / 1e6));
      this.set({ quantile: '1' }, late(Math.max(longestGapMs, now - lastTick)));
      samples.set(h.count);
      h.reset();
      longestGapMs = 0;
      lastTick = now;
    },
  });
  const samples = new Gauge({
    name: 'spotlight_event_loop_delay_samples',
    help: 'Samples behind the quantiles of spotlight_event_loop_delay_seconds (timer ticks since the previous scrape)',
    registers: [registry],
  });
  return {
    stop: () => {
      h.disable();
      clearInterval(watch);
    },
  };
}
