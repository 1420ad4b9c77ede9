// Batched, bounded output to one switch. Messages are encoded straight into
// one batch buffer (no Buffer per message, no copy to join them); those queued
// during one turn of the event loop leave in a single socket write, or one write per
// `flushBytes` for longer bursts, so a burst of flow-mods costs a few system
// calls instead of one each. When the socket reports
// backpressure we stop writing until 'drain'; if what waits for this switch
// (our queue plus the socket's own buffer) passes the bound, the connection is
// given up so a switch that stops reading cannot hold unbounded memory.

import { MessageBatch, type CodecError, type OfpMessage } from '../openflow/index.js';

export interface OutputSink {
  write(chunk: Buffer): boolean;
  readonly writableLength: number;
  once(event: 'drain', fn: () => void): unknown;
  readonly destroyed: boolean;
}

export interface OutputOptions {
  maxBufferedBytes: number;
  /**
   * Write at once when this much is queued, without waiting for the end of the
   * turn: a long burst then reaches the switch while the rest is still being
   * encoded, at the cost of a write per this many bytes (default 256 KiB).
   */
  flushBytes?: number;
  /** Defer a flush to the end of the current turn (default setImmediate). */
  schedule?: (fn: () => void) => void;
}

export type SendOutcome = { ok: true } | { ok: false; closed: true } | { ok: false; closed: false; error: CodecError };

export class OutputQueue {
  private readonly batch = new MessageBatch();
  private scheduled = false;
  private waitingDrain = false;
  private overflowed = false;
  private readonly schedule: (fn: () => void) => void;
  private readonly flushBytes: number;
  /** Socket writes issued (for tests and metrics). */
  writes = 0;
  bytesWritten = 0;

  constructor(
    private readonly sink: OutputSink,
    private readonly opts: OutputOptions,
    private readonly onOverflow: (bufferedBytes: number) => void,
  ) {
    this.schedule = opts.schedule ?? ((fn) => void setImmediate(fn));
    this.flushBytes = opts.flushBytes ?? 256 * 1024;
  }

  /** Bytes waiting for this switch: ours plus the socket's. */
  get bufferedBytes(): number {
    return this.batch.pending + this.sink.writableLength;
  }

  /** Whether nothing more is accepted (bound passed, or socket gone). */
  get closed(): boolean {
    return this.overflowed || this.sink.destroyed;
  }

  /**
   * Encode one message into the batch. Nothing is queued when it cannot be
   * encoded, or when the output is closed (checked first).
   */
  send(msg: OfpMessage): SendOutcome {
    if (this.closed) return { ok: false, closed: true };
    const r = this.batch.append(msg);
    if (!r.ok) return { ok: false, closed: false, error: r.error };
    return this.queued() ? { ok: true } : { ok: false, closed: true };
  }

  /** After an append: the bound, an early write, or a write at the end of the turn. */
  private queued(): boolean {
    if (this.bufferedBytes > this.opts.maxBufferedBytes) {
      this.overflowed = true;
      const n = this.bufferedBytes;
      this.batch.clear();
      this.onOverflow(n);
      return false;
    }
    if (this.batch.pending >= this.flushBytes && !this.waitingDrain) {
      this.flush();
      return true;
    }
    if (!this.scheduled && !this.waitingDrain) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.flush();
      });
    }
    return true;
  }

  /** On close: hand everything to the socket regardless of backpressure. */
  flushAll(): void {
    this.waitingDrain = false;
    this.flush();
  }

  /** Write everything queued now, in one write. */
  flush(): void {
    if (this.batch.pending === 0 || this.waitingDrain || this.sink.destroyed) return;
    const chunk = this.batch.take();
    this.writes++;
    this.bytesWritten += chunk.length;
    if (!this.sink.write(chunk)) {
      this.waitingDrain = true;
      this.sink.once('drain', () => {
        this.waitingDrain = false;
        this.flush();
      });
    }
  }
}
