// Structured logs (winston). Every component logs through a child logger that
// names it, and every record names the switch, VM or request it concerns.
import winston from 'winston';
import { bigintText } from './json.js';

export type Logger = winston.Logger;

export interface LogOptions {
  level?: string;
  /** One JSON object per line (default when stdout is not a terminal). */
  json?: boolean;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const json = opts.json ?? !process.stdout.isTTY;
  const format = json
    ? winston.format.combine(winston.format.timestamp(), winston.format.json({ replacer: bigintText }))
    : winston.format.combine(
        winston.format.timestamp(),
        winston.format.printf((info) => {
          const { timestamp, level, message, component, ...rest } = info as Record<string, unknown>;
          const fields = Object.keys(rest).length ? ' ' + JSON.stringify(rest, bigintText) : '';
          return `${String(timestamp)} ${String(level)} [${String(component ?? 'spotlight')}] ${String(message)}${fields}`;
        }),
      );
  return winston.createLogger({
    level: opts.level ?? process.env.SPOTLIGHT_LOG_LEVEL ?? 'info',
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

export interface RepeatLimitOptions {
  /** One line per source and message in this window (default 60 s). */
  everyMs?: number;
  /** Sources and messages remembered at once; the least recently logged is forgotten first (default 4096). */
  maxKeys?: number;
  now?: () => number;
}

interface RepeatState {
  loggedAt: number;
  suppressed: number;
}

/**
 * Rate-limits repeated log lines per source (a switch, a client address): the
 * first line of a (source, message) pair is logged, repeats within `everyMs`
 * are only counted, and the next line logged for the pair carries that count
 * as `suppressed`. A peer that makes Spotlight log on every message it sends
 * thus costs one line per window, whatever its rate.
 */
export class RepeatedLogLimiter {
  private readonly everyMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Map order: least recently logged first. */
  private readonly seen = new Map<string, RepeatState>();

  constructor(opts: RepeatLimitOptions = {}) {
    this.everyMs = opts.everyMs ?? 60_000;
    this.maxKeys = opts.maxKeys ?? 4096;
    this.now = opts.now ?? Date.now;
  }

  /** Logs the line unless the same source logged the same message within the window; true when logged. */
  log(logger: Logger, level: string, source: string, message: string, fields: Record<string, unknown> = {}): boolean {
    const key = `${source}\u0000${message}`;
    const t = this.now();
    const st = this.seen.get(key);
    if (st !== undefined && t - st.loggedAt < this.everyMs) {
      st.suppressed++;
      return false;
    }
    const suppressed = st?.suppressed ?? 0;
    this.seen.delete(key);
    this.seen.set(key, { loggedAt: t, suppressed: 0 });
    for (const old of this.seen.keys()) {
      if (this.seen.size <= this.maxKeys) break;
      this.seen.delete(old);
    }
    logger.log(level, message, suppressed > 0 ? { ...fields, suppressed } : fields);
    return true;
  }

  /** (source, message) pairs remembered now. */
  get size(): number {
    return this.seen.size;
  }
}
