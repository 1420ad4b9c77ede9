import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { OutputQueue, type OutputSink } from '../../../src/channel/output.js';

class Sink extends EventEmitter implements OutputSink {
  writes: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  accept = true;
  write(chunk: Buffer): boolean {
    this.writes.push(chunk);
    if (!this.accept) this.writableLength += chunk.length;
    return this.accept;
  }
  override once(event: 'drain', fn: () => void): this {
    return super.once(event, fn);
  }
}

describe('channel: batched output', () => {
  function manual() {
    const ticks: (() => void)[] = [];
    const run = (): void => {
      for (const f of ticks.splice(0)) f();
    };
    return { schedule: (f: () => void) => void ticks.push(f), run };
  }

  it('sends a burst queued in one turn as a single write, bytes in order', () => {
    const sink = new Sink();
    const m = manual();
    const q = new OutputQueue(sink, { maxBufferedBytes: 1 << 30, schedule: m.schedule }, () => undefined);
    const msgs = Array.from({ length: 10_000 }, (_, i) => Buffer.from([i >> 8, i & 0xff, 0xaa]));
    for (const b of msgs) q.push(b);
    expect(sink.writes.length).to.equal(0);
    m.run();
    expect(sink.writes.length).to.equal(1);
    expect(sink.writes[0]!.equals(Buffer.concat(msgs))).to.equal(true);
    expect(q.writes).to.equal(1);
  });

  it('writes early, once per flushBytes, during a long burst', () => {
    const sink = new Sink();
    const m = manual();
    const q = new OutputQueue(sink, { maxBufferedBytes: 1 << 30, flushBytes: 1000, schedule: m.schedule }, () => undefined);
    for (let i = 0; i < 100; i++) q.push(Buffer.alloc(100, i));
    expect(sink.writes.map((w) => w.length)).to.deep.equal(Array(10).fill(1000));
    q.push(Buffer.alloc(50, 7));
    m.run();
    expect(sink.writes.length).to.equal(11);
    expect(Buffer.concat(sink.writes).length).to.equal(10_050);
  });

  it('holds output while the socket reports backpressure and resumes on drain', () => {
    const sink = new Sink();
    const m = manual();
    const q = new OutputQueue(sink, { maxBufferedBytes: 1 << 20, schedule: m.schedule }, () => undefined);
    sink.accept = false;
    q.push(Buffer.alloc(10, 1));
    m.run();
    expect(sink.writes.length).to.equal(1);
    q.push(Buffer.alloc(10, 2));
    q.push(Buffer.alloc(10, 3));
    m.run();
    expect(sink.writes.length, 'nothing written before drain').to.equal(1);
    expect(q.bufferedBytes).to.equal(30);
    sink.accept = true;
    sink.writableLength = 0;
    sink.emit('drain');
    expect(sink.writes.length).to.equal(2);
    expect(sink.writes[1]!.equals(Buffer.concat([Buffer.alloc(10, 2), Buffer.alloc(10, 3)]))).to.equal(true);
  });

  it('gives up past the bound (queue plus socket buffer) and refuses more', () => {
    const sink = new Sink();
    const m = manual();
    let overflow = 0;
    const q = new OutputQueue(sink, { maxBufferedBytes: 100, schedule: m.schedule }, (n) => (overflow = n));
    sink.accept = false;
    q.push(Buffer.alloc(60));
    m.run();
    expect(q.push(Buffer.alloc(30))).to.equal(true);
    expect(overflow).to.equal(0);
    expect(q.push(Buffer.alloc(20))).to.equal(false);
    expect(overflow).to.equal(110);
    expect(q.push(Buffer.alloc(1))).to.equal(false);
  });
});
