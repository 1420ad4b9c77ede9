// One bridge's OpenFlow connection to the controller, as Open vSwitch's rconn
// runs it: TCP from the bridge's own loopback address, HELLO with its version
// (and a version bitmap when it does not speak every version up to that one),
// the highest common version or HELLO_FAILED, then every message answered by
// the bridge. Inactivity probe: after `probeMs` with nothing received it sends
// an ECHO_REQUEST, and after `probeMs` more with nothing received it drops the
// session ("no response to inactivity probe") and reconnects, backing off
// 1, 2, 4, 8 s. Every session that ends while the farm runs is counted, by cause.
import net from 'node:net';
import { FrameReader, MessageBatch, decodeMessage } from '../../src/openflow/index.js';
import { OFP10_VERSION, OFP13_VERSION } from '../../src/openflow/wire-values.js';
import { type CodecError } from '../../src/openflow/errors.js';
import { type OfpMessage, type PacketIn, type PacketOut, type PortStatus } from '../../src/openflow/message-model.js';
import type { ConnectionState, SimBridge } from './bridge.js';
import { BundleBook } from './bundles.js';
import { errorFor, OFPBRC, OFPET } from './errors.js';

export interface SessionOptions {
  host: string;
  port: number;
  localAddress: string;
  /** Open vSwitch's inactivity probe interval (default 5 s). */
  probeMs: number;
}

export type DropCause = 'inactivity' | 'closedByController' | 'socketError';

export interface SessionCounters {
  connects: number;
  connectFailures: number;
  helloFailures: number;
  drops: Record<DropCause, number>;
  echoRequestsSent: number;
  messagesIn: number;
  undecodable: number;
}

const MAX_BACKOFF_MS = 8000;
/** Multipart request types in OF1.0 (STATS_REQUEST) and OF1.3. */
const MULTIPART_REQUEST = { [OFP10_VERSION]: 16, [OFP13_VERSION]: 18 } as Record<number, number>;

export class SwitchSession {
  readonly counters: SessionCounters = {
    connects: 0,
    connectFailures: 0,
    helloFailures: 0,
    drops: { inactivity: 0, closedByController: 0, socketError: 0 },
    echoRequestsSent: 0,
    messagesIn: 0,
    undecodable: 0,
  };
  /** HELLO exchanged: the controller may talk to the bridge. */
  up = false;
  private socket: net.Socket | undefined;
  private reader = new FrameReader();
  private readonly batch = new MessageBatch();
  private flushScheduled = false;
  private lastRx = 0;
  private probeSentAt: number | undefined;
  private backoffMs = 1000;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private conn: ConnectionState = { role: 'equal', bundles: new BundleBook() };

  constructor(
    readonly bridge: SimBridge,
    private readonly opts: SessionOptions,
    private readonly onPacketOut: (po: PacketOut) => void,
  ) {}

  connect(): void {
    if (this.stopped) return;
    const sock = net.connect({ host: this.opts.host, port: this.opts.port, localAddress: this.opts.localAddress });
    this.socket = sock;
    this.reader = new FrameReader();
    this.conn = { role: 'equal', bundles: new BundleBook() };
    let wasUp = false;
    sock.setNoDelay(true);
    sock.on('connect', () => {
      this.lastRx = Date.now();
      this.probeSentAt = undefined;
      const v = this.bridge.version;
      const hello: OfpMessage = v === OFP13_VERSION ? { version: v, xid: 1, type: 'hello', versions: [OFP13_VERSION] } : { version: v, xid: 1, type: 'hello' };
      this.send(hello);
    });
    sock.on('data', (chunk: Buffer) => {
      this.lastRx = Date.now();
      this.probeSentAt = undefined;
      const { frames, error } = this.reader.push(chunk);
      for (const f of frames) {
        if (this.socket !== sock) return;
        this.receive(f);
        wasUp ||= this.up;
      }
      if (error) this.end(sock);
    });
    let failed = false;
    sock.on('error', () => (failed = true));
    sock.on('close', () => {
      if (this.socket !== sock) return;
      this.socket = undefined;
      this.up = false;
      if (this.stopped) return;
      if (wasUp) this.counters.drops[failed ? 'socketError' : 'closedByController']++;
      else this.counters.connectFailures++;
      this.scheduleReconnect();
    });
  }

  /** Called by the farm's clock: runs the inactivity probe. */
  tick(now: number): void {
    const sock = this.socket;
    if (!sock || !this.up) return;
    if (this.probeSentAt === undefined) {
      if (now - this.lastRx >= this.opts.probeMs) {
        this.probeSentAt = now;
        this.counters.echoRequestsSent++;
        this.send({ version: this.bridge.version, xid: 0xec400000 + (this.counters.echoRequestsSent & 0xffff), type: 'echoRequest', data: new Uint8Array(0) });
      }
    } else if (now - this.probeSentAt >= this.opts.probeMs) {
      this.counters.drops.inactivity++;
      this.end(sock);
      this.scheduleReconnect();
    }
  }

  /** Sends an asynchronous message (port status, packet-in) when the session is up and not a slave's. */
  notify(msg: Omit<PortStatus, 'version' | 'xid'> | Omit<PacketIn, 'version' | 'xid'>): boolean {
    if (!this.up || this.conn.role === 'slave') return false;
    this.send({ ...msg, version: this.bridge.version, xid: 0 } as OfpMessage);
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
    this.socket = undefined;
    this.up = false;
  }

  private receive(frame: Uint8Array): void {
    this.counters.messagesIn++;
    const r = decodeMessage(frame);
    if (!r.ok) {
      this.counters.undecodable++;
      if (this.up) this.send(errorFor(this.bridge.version, r.error.xid ?? 0, OFPET.BAD_REQUEST, decodeErrorCode(r.error, this.bridge.version), frame));
      return;
    }
    const msg = r.message;
    if (!this.up) return this.negotiate(msg, frame);
    if (msg.version !== this.bridge.version && msg.type !== 'hello') {
      this.send(errorFor(this.bridge.version, msg.xid, OFPET.BAD_REQUEST, OFPBRC.BAD_VERSION, frame));
      return;
    }
    const a = this.bridge.answer(msg, frame, this.conn);
    for (const m of a.replies) this.send(m);
    if (a.packetOut) this.onPacketOut(a.packetOut);
  }

  /** The controller's HELLO: the highest version both allow (Open vSwitch reads a HELLO without bitmap as every version up to its own). */
  private negotiate(msg: OfpMessage, frame: Uint8Array): void {
    if (msg.type !== 'hello') return;
    const theirs = msg.versions ?? [1, 2, 3, 4, 5, 6].filter((x) => x <= msg.version);
    if (!theirs.includes(this.bridge.version)) {
      this.counters.helloFailures++;
      this.send(errorFor(this.bridge.version, msg.xid, OFPET.HELLO_FAILED, 0 /* OFPHFC_INCOMPATIBLE */, frame));
      this.flush();
      this.end(this.socket!, true);
      this.scheduleReconnect();
      return;
    }
    this.up = true;
    this.counters.connects++;
    this.backoffMs = 1000;
  }

  private send(msg: OfpMessage): void {
    const r = this.batch.append(msg);
    if (!r.ok) throw new Error(`farm: cannot encode ${msg.type} for ${this.bridge.name}: ${r.error.message}`);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const bytes = this.batch.take();
    if (bytes.length > 0 && this.socket && !this.socket.destroyed) this.socket.write(bytes);
  }

  /** Ends the connection from the bridge's side (`graceful`: after what was written). */
  private end(sock: net.Socket, graceful = false): void {
    if (this.socket === sock) this.socket = undefined;
    this.up = false;
    this.batch.clear();
    if (graceful) sock.end();
    else sock.destroy();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    const wait = this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
  }
}

/** OFPBRC code for a message the codec could not read. */
function decodeErrorCode(e: CodecError, version: number): number {
  if (e.code === 'BAD_VERSION') return OFPBRC.BAD_VERSION;
  if (e.code === 'BAD_LENGTH' || e.code === 'TRUNCATED_BODY' || e.code === 'TRAILING_BYTES' || e.code === 'BAD_ELEMENT_LENGTH') return OFPBRC.BAD_LEN;
  if (e.msgType === MULTIPART_REQUEST[version]) return OFPBRC.BAD_MULTIPART;
  return OFPBRC.BAD_TYPE;
}
