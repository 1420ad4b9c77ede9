// Inbound side of one connection: frames the byte stream and hands messages
// over a bounded number per event-loop turn. When more are waiting, the socket
// is paused until the next turn, so one chatty switch neither starves the
// others nor makes us buffer more than a socket read's worth.
import type { Socket } from 'node:net';
import { FrameReader } from '../openflow/index.js';
import type { CodecError } from '../openflow/errors.js';

export class InboundPump {
  private readonly reader = new FrameReader();
  private queue: Uint8Array[] = [];
  private pos = 0;
  private draining = false;
  private paused = false;
  private stopped = false;

  constructor(
    private readonly socket: Socket,
    private readonly maxPerTurn: number,
    private readonly handle: (frame: Uint8Array) => void,
    private readonly onFramingError: (error: CodecError) => void,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    const { frames, error } = this.reader.push(chunk);
    if (error) {
      this.stop();
      this.onFramingError(error);
      return;
    }
    if (this.pos > 0) {
      this.queue = this.queue.slice(this.pos);
      this.pos = 0;
    }
    for (const f of frames) this.queue.push(f);
    this.drain();
  }

  /** Drop whatever waits; handle nothing more. */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.pos = 0;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    let n = 0;
    while (this.pos < this.queue.length && !this.stopped) {
      if (n++ >= this.maxPerTurn) {
        if (!this.paused) {
          this.paused = true;
          this.socket.pause();
        }
        this.draining = false;
        setImmediate(() => this.drain());
        return;
      }
      this.handle(this.queue[this.pos++]!);
    }
    this.queue = [];
    this.pos = 0;
    this.draining = false;
    if (this.paused && !this.stopped) {
      this.paused = false;
      this.socket.resume();
    }
  }
}
