// Structured logs (winston). Every component logs through a child logger that
// names it, and every record names the switch, VM or request it concerns.
import winston from 'winston';

export type Logger = winston.Logger;

export interface LogOptions {
  level?: string;
  /** One JSON object per line (default when stdout is not a terminal). */
  json?: boolean;
  /** Drop every record (tests). */
  silent?: boolean;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const json = opts.json ?? !process.stdout.isTTY;
  const format = json
    ? winston.format.combine(winston.format.timestamp(), winston.format.json({ replacer: bigintReplacer }))
    : winston.format.combine(
        winston.format.timestamp(),
        winston.format.printf((info) => {
          const { timestamp, level, message, component, ...rest } = info as Record<string, unknown>;
          const fields = Object.keys(rest).length ? ' ' + JSON.stringify(rest, bigintReplacer) : '';
          return `${String(timestamp)} ${String(level)} [${String(component ?? 'spotlight')}] ${String(message)}${fields}`;
        }),
      );
  return winston.createLogger({
    level: opts.level ?? process.env.SPOTLIGHT_LOG_LEVEL ?? 'info',
    silent: opts.silent ?? false,
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return createLogger({ silent: true, json: true });
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
