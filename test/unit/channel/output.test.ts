import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { OutputQueue, type OutputSink } from '../../../src/channel/output.js';
import { encodeMessage, type OfpMessage } from '../../../src/openflow/index.js';

/** An OF1.3 echo request of exactly `bytes` bytes (8 of header), its data filled with `fill`. */
const echo = (bytes: number, fill = 0): OfpMessage => ({ version: 4, xid: 1, type: 'echoRequest', data: new Uint8Array(bytes - 8).fill(fill) });
const wire = (m: OfpMessage): Buffer => Buffer.from(encodeMessage(m));

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
    const msgs: OfpMessage[] = Array.from({ length: 10_000 }, (_, i) => ({ version: 4, xid: i + 1, type: 'echoRequest', data: new Uint8Array([i >> 8, i & 0xff, 0xaa]) }));
    for (const m of msgs) expect(q.send(m).ok).to.equal(true);
    expect(sink.writes.length).to.equal(0);
    m.run();
    expect(sink.writes.length).to.equal(1);
    expect(sink.writes[0]!.equals(Buffer.concat(msgs.map(wire)))).to.equal(true);
    expect(q.writes).to.equal(1);
  });

  it('writes early, once per flushBytes, during a long burst', () => {
    const sink = new Sink();
    const m = manual();
    const q = new OutputQueue(sink, { maxBufferedBytes: 1 << 30, flushBytes: 1000, schedule: m.schedule }, () => undefined);
    for (let i = 0; i < 100; i++) q.send(echo(100, i));
    expect(sink.writes.map((w) => w.length)).to.deep.equal(Array(10).fill(1000));
    q.send(echo(50, 7));
    m.run();
    expect(sink.writes.length).to.equal(11);
    expect(Buffer.concat(sink.writes).length).to.equal(10_050);
  });

  it('holds output while the socket reports backpressure and resumes on drain', () => {
    const sink = new Sink();
    const m = manual();
    const q = new OutputQueue(sink, { maxBufferedBytes: 1 << 20, schedule: m.schedule }, () => undefined);
    sink.accept = false;
    q.send(echo(10, 1));
    m.run();
    expect(sink.writes.length).to.equal(1);
    q.send(echo(10, 2));
    q.send(echo(10, 3));
    m.run();
    expect(sink.writes.length, 'nothing written before drain').to.equal(1);
    expect(q.bufferedBytes).to.equal(30);
    sink.accept = true;
    sink.writableLength = 0;
    sink.emit('drain');
    expect(sink.writes.length).to.equal(2);
    expect(sink.writes[1]!.equals(Buffer.concat([wire(echo(10, 2)), wire(echo(10, 3))]))).to.equal(true);
  });

  it('refuses a message that cannot be encoded, queuing nothing', () => {
    const sink = new Sink();
    const m = manual();
    const q = new OutputQueue(sink, { maxBufferedBytes: 1 << 20, schedule: m.schedule }, () => undefined);
    q.send(echo(10, 1));
    const r = q.send({ version: 4, xid: 2, type: 'setConfig', flags: 70_000, missSendLen: 0 } as OfpMessage);
    expect(r.ok).to.equal(false);
    if (!r.ok && !r.closed) expect(r.error.code).to.equal('BAD_VALUE');
    expect(q.bufferedBytes).to.equal(10);
    m.run();
    expect(sink.writes.length).to.equal(1);
    expect(sink.writes[0]!.equals(wire(echo(10, 1)))).to.equal(true);
  });

  it('gives up past the bound (queue plus socket buffer) and refuses more', () => {
    const sink = new Sink();
    const m = manual();
    let overflow = 0;
    const q = new OutputQueue(sink, { maxBufferedBytes: 100, schedule: m.schedule }, (n) => (overflow = n));
    sink.accept = false;
    q.send(echo(60));
    m.run();
    expect(q.send(echo(30)).ok).to.equal(true);
    expect(overflow).to.equal(0);
    expect(q.send(echo(20))).to.deep.equal({ ok: false, closed: true });
    expect(overflow).to.equal(110);
    expect(q.send(echo(8))).to.deep.equal({ ok: false, closed: true });
  });
});
