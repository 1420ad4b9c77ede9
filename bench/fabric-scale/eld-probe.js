// Loaded with `node --import` into a controller that does not export its
// event-loop delay (an older commit run as the baseline), so that both sides
// of the comparison are measured the same way: the same 10 ms
// monitorEventLoopDelay, its interval taken off, and the longest gap between
// ticks, over the window since the previous read. On SIGUSR2 it writes the
// window's figures as JSON to $SPOTLIGHT_ELD_FILE and starts a new window.
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const file = process.env.SPOTLIGHT_ELD_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  let lastTick = performance.now();
  let longestGapMs = 0;
  setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - lastTick);
    lastTick = now;
  }, RESOLUTION_MS).unref();
  const late = (ms) => Math.max(0, ms - RESOLUTION_MS) / 1000;
  process.on('SIGUSR2', () => {
    const now = performance.now();
    const window = {
      p50: late(h.percentile(50) / 1e6),
      p99: late(h.percentile(99) / 1e6),
      max: late(Math.max(longestGapMs, now - lastTick)),
      samples: h.count,
    };
    h.reset();
    longestGapMs = 0;
    lastTick = now;
    writeFileSync(`${file}.tmp`, JSON.stringify(window));
    renameSync(`${file}.tmp`, file);
  });
}
