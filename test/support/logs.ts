// Loggers for tests and benches: one that keeps its records, for asserting
// what was logged, and one that drops everything.
import { Writable } from 'node:stream';
import winston from 'winston';

export interface CapturedLog {
  logger: winston.Logger;
  records: Record<string, unknown>[];
}

export function captureLogger(): CapturedLog {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.json({ replacer: (_k, v) => (typeof v === 'bigint' ? v.toString() : v) }),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, records };
}

export function silentLogger(): winston.Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}
