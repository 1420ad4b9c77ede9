// One switch connection: HELLO negotiation, handshake, keepalive, request/reply,
// batched output and the events the switch raises. Nothing a switch sends can
// throw out of here: framing errors close this connection, malformed messages
// are answered with an OpenFlow ERROR and dropped.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { decodeMessage, formatDpid, OFPT13, peekHeader } from '../openflow/index.js';
import type { CodecError } from '../openflow/errors.js';
import type { OfpMessage } from '../openflow/message-model.js';
import type { FlowStats, FlowStatsRequestBody, GroupFeatures, PortDesc, SwitchDesc } from '../openflow/stats-model.js';
import { OFPBRC_BAD_TYPE, OFPBRC_BAD_VERSION, OFPET_BAD_REQUEST, OFPET_HELLO_FAILED, OFPHFC_INCOMPATIBLE, type OfVersion } from '../openflow/wire-values.js';
import { RepeatedLogLimiter, type Logger } from '../log.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { BarrierResult, ConnectionDeps, ConnectionEvents, ConnectionState, SendResult } from './connection-types.js';
import { badRequestCode, ChannelError, type DisconnectReason, type SwitchErrorInfo } from './errors.js';
import { runHandshake } from './handshake.js';
import { InboundPump } from './inbound.js';
import { Keepalive } from './keepalive.js';
import { expectsReply, flowStatsRequest, isSwitchToController, mayDrawError, type Unsent } from './message.js';
import { readPeerHello } from './negotiate.js';
import type { CertificateFields } from './identity.js';
import type { ConnectionLimits } from './options.js';
import { OutputQueue } from './output.js';
import { PortTable } from './port-table.js';
import { PortFairLimiter } from './rate.js';
import { RequestTracker } from './requests.js';

export class SwitchConnection extends EventEmitter<ConnectionEvents> {
  state: ConnectionState = 'hello';
  /** Negotiated version (our highest until the HELLO exchange ends). */
  version: OfVersion;
  /** 16 hex digits, known once FEATURES_REPLY arrived. */
  dpid = '';
  datapathId = 0n;
  desc: SwitchDesc | undefined;
  /** OF1.3: what the switch said of its groups in the handshake; undefined when it said nothing (and on OF1.0). */
  groupFeatures: GroupFeatures | undefined;
  readonly remote: string;
  readonly whenClosed: Promise<void>;

  private readonly portTable: PortTable;
  private readonly output: OutputQueue;
  private readonly tracker: RequestTracker;
  private readonly keepalive: Keepalive;
  private readonly limits: ConnectionLimits;
  private readonly clock: Clock;
  private log: Logger;
  private handshakeTimer: TimerHandle | undefined;
  private readonly inbound: InboundPump;
  private readonly packetIns: PortFairLimiter;
  private readonly warnings: RepeatedLogLimiter;

  constructor(
    private readonly socket: Socket,
    deps: ConnectionDeps,
  ) {
    super();
    this.limits = deps.limits;
    this.portTable = new PortTable(this.limits.maxPorts);
    this.clock = deps.clock;
    this.version = Math.max(...this.limits.versions) as OfVersion;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.log = deps.logger.child({ component: 'channel', remote: this.remote });
    this.warnings = deps.logLimiter ?? new RepeatedLogLimiter();
    this.output = new OutputQueue(socket, { maxBufferedBytes: this.limits.maxOutputBytes }, (n) =>
      this.destroy('OUTPUT_OVERFLOW', `${n} bytes waiting for a switch that does not read`),
    );
    this.tracker = new RequestTracker(this.clock, {
      maxRemembered: this.limits.maxRemembered,
      replyLimits: { maxParts: this.limits.maxReplyParts, maxEntries: this.limits.maxReplyEntries, maxBytes: this.limits.maxReplyBytes },
      onReplyTooLarge: (detail) => this.destroy('REPLY_TOO_LARGE', detail),
    });
    this.keepalive = new Keepalive(
      this.clock,
      { intervalMs: this.limits.echoIntervalMs, maxMisses: this.limits.echoMaxMisses },
      () => this.sendInternal({ type: 'echoRequest', data: new Uint8Array(0) }),
      (misses) => this.destroy('ECHO_TIMEOUT', `${misses} echo intervals without an answer`),
    );
    this.inbound = new InboundPump(
      socket,
      this.limits.maxMessagesPerTurn,
      (frame) => this.handleFrame(frame),
      (error) => {
        this.log.warn('framing error from switch', { dpid: this.dpid, code: error.code, offset: error.offset, error: error.message });
        this.destroy('FRAMING_ERROR', `${error.code} at offset ${error.offset}`);
      },
    );
    this.packetIns = new PortFairLimiter({
      clock: this.clock,
      perSecond: this.limits.packetInPerSecond,
      perPort: this.limits.packetInPerPortPerSecond,
      portCount: () => this.portTable.size,
      slack: this.limits.packetInPortSlack,
      onWindowDropped: (d) => this.log.warn('PACKET_IN rate bound hit; excess dropped', { dpid: this.dpid, ...d }),
    });
    this.whenClosed = new Promise((resolve) => socket.once('close', () => resolve()));

    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.state === 'closed') return;
      this.keepalive.touch();
      this.inbound.push(chunk);
    });
    socket.on('error', (err) => this.destroy('SOCKET_ERROR', err.message));
    socket.on('close', () => this.destroy('PEER_CLOSED', 'connection closed by peer'));

    this.handshakeTimer = this.clock.setTimeout(
      () => this.destroy('HANDSHAKE_TIMEOUT', `not ready ${this.limits.handshakeTimeoutMs} ms after the connection was accepted (state ${this.state})`),
      Math.max(0, deps.handshakeDeadlineMs ?? this.limits.handshakeTimeoutMs),
    );
    this.sendInternal({ type: 'hello', versions: [...this.limits.versions] });
    this.keepalive.start();
  }

  /** Ports as last reported (handshake, then PORT_STATUS). */
  get ports(): PortDesc[] {
    return this.portTable.list();
  }

  /** The switch's TLS certificate (undefined on plain TCP). */
  get peerCertificate(): CertificateFields | undefined {
    const s = this.socket as Partial<TLSSocket>;
    if (typeof s.getPeerCertificate !== 'function') return undefined;
    const c = s.getPeerCertificate();
    return c && Object.keys(c).length > 0 ? c : undefined;
  }

  /** True when the switch answers an ECHO_REQUEST within timeoutMs (it is alive at the other end). */
  async answersEcho(timeoutMs: number): Promise<boolean> {
    if (this.state !== 'ready') return false;
    try {
      const r = await this.requestInternal({ type: 'echoRequest', data: new Uint8Array(0) }, timeoutMs);
      return r.reply.type === 'echoReply';
    } catch {
      return false;
    }
  }

  /** PACKET_INs dropped by the rate bound. */
  get packetInDropped(): number {
    return this.packetIns.dropped;
  }

  /** PACKET_INs dropped by the rate bound, per input port (bounded by port count plus slack). */
  get packetInDroppedByPort(): ReadonlyMap<number, number> {
    return this.packetIns.droppedByPort;
  }

  /** Drops of ports whose per-port counter was folded away to keep the table bounded. */
  get packetInDroppedOtherPorts(): number {
    return this.packetIns.otherPortsDropped;
  }

  /** Output bytes waiting for this switch. */
  get bufferedBytes(): number {
    return this.output.bufferedBytes;
  }

  get socketWrites(): number {
    return this.output.writes;
  }

  /** A fresh xid (for messages that must carry it twice, like a bundled message). */
  nextXid(): number {
    return this.tracker.allocXid();
  }

  /** Queue a message (xid assigned if missing); an ERROR for it comes as a switchError event or in the next barrier's result. */
  send(msg: Unsent): SendResult {
    if (this.state !== 'ready') return { ok: false, error: new ChannelError('NOT_READY', `switch ${this.remote} is ${this.state}`) };
    return this.sendInternal(msg);
  }

  /** Send and await the reply; for messages without a reply of their own, a barrier settles it. */
  async request(msg: Unsent, timeoutMs = this.limits.requestTimeoutMs): Promise<OfpMessage> {
    if (this.state !== 'ready') throw new ChannelError('NOT_READY', `switch ${this.remote} is ${this.state}`);
    return (await this.requestInternal(msg, timeoutMs)).reply;
  }

  /** Resolves once the switch processed everything sent before. */
  async barrier(timeoutMs = this.limits.requestTimeoutMs): Promise<BarrierResult> {
    if (this.state !== 'ready') throw new ChannelError('NOT_READY', `switch ${this.remote} is ${this.state}`);
    return this.barrierInternal(timeoutMs);
  }

  /** All flows matching the filter (every table, every flow by default). */
  async flowStats(filter: Partial<FlowStatsRequestBody> = {}, timeoutMs?: number): Promise<FlowStats[]> {
    const r = await this.request(flowStatsRequest(filter), timeoutMs);
    if (r.type !== 'multipartReply' || r.body.kind !== 'flow') throw new ChannelError('DECODE_ERROR', `flow stats answered with ${r.type}`);
    return r.body.flows;
  }

  /** Drain queued output, then close. */
  close(reason: DisconnectReason = 'LOCAL_CLOSE', detail = 'closed by controller'): Promise<void> {
    if (this.state !== 'closed') {
      this.finish(reason, detail);
      this.output.flushAll();
      this.socket.end();
      const t = this.clock.setTimeout(() => this.socket.destroy(), 5_000);
      void this.whenClosed.then(() => t.cancel());
    }
    return this.whenClosed;
  }

  /** Close at once, dropping queued output. */
  destroy(reason: DisconnectReason, detail: string): void {
    if (this.state !== 'closed') this.finish(reason, detail);
    this.socket.destroy();
  }

  private finish(reason: DisconnectReason, detail: string): void {
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    this.handshakeTimer?.cancel();
    this.keepalive.stop();
    this.tracker.failAll(reason);
    this.inbound.stop();
    // A refusal is logged by the listener (limited per peer).
    const level = reason === 'REFUSED' ? 'debug' : reason === 'LOCAL_CLOSE' || reason === 'PEER_CLOSED' || reason === 'REPLACED' ? 'info' : 'warn';
    this.log.log(level, 'switch connection closed', { reason, detail, wasReady });
    this.emit('closed', reason, detail);
  }

  private sendInternal(msg: Unsent, exactXid = false): SendResult {
    const full = exactXid ? ({ ...msg, version: this.version, xid: msg.xid ?? 0 } as OfpMessage) : this.complete(msg);
    // Encoded straight into the output batch.
    const sent = this.output.send(full);
    if (!sent.ok) {
      if (sent.closed) return { ok: false, error: new ChannelError('CLOSED', 'connection closed', { request: full }) };
      this.log.error('could not encode message for switch', { type: full.type, code: sent.error.code, error: sent.error.message });
      return { ok: false, error: new ChannelError('ENCODE_ERROR', sent.error.message, { request: full, codecError: sent.error }) };
    }
    if (!expectsReply(full) && mayDrawError(full.type)) this.tracker.recordSent(full);
    return { ok: true, xid: full.xid };
  }

  private requestInternal(msg: Unsent, timeoutMs: number): Promise<{ reply: OfpMessage; errors: SwitchErrorInfo[] }> {
    const full = this.complete(msg);
    const sent = this.output.send(full);
    if (!sent.ok && !sent.closed) return Promise.reject(new ChannelError('ENCODE_ERROR', sent.error.message, { request: full, codecError: sent.error }));
    const withReply = expectsReply(full);
    const p = this.tracker.track(full, timeoutMs, !withReply);
    if (!sent.ok) this.tracker.failAll('output closed');
    if (!withReply) void this.barrierInternal(timeoutMs).catch(() => undefined);
    return p;
  }

  private async barrierInternal(timeoutMs: number): Promise<BarrierResult> {
    const r = await this.requestInternal({ type: 'barrierRequest' }, timeoutMs);
    return { errors: r.errors };
  }

  private complete(msg: Unsent): OfpMessage {
    const xid = msg.xid !== undefined && msg.xid !== 0 ? msg.xid : this.tracker.allocXid();
    // Object.assign rather than spread: cheaper on the flow-mod hot path.
    const full = Object.assign({}, msg) as OfpMessage;
    full.version = this.version;
    full.xid = xid;
    return full;
  }

  private handleFrame(frame: Uint8Array): void {
    if (this.state === 'hello') return this.handleHello(frame);
    const res = decodeMessage(frame);
    if (!res.ok) return this.handleDecodeError(frame, res.error);
    const msg = res.message;
    if (msg.version !== this.version) {
      this.warn('message in a version other than the negotiated one', { dpid: this.dpid, got: msg.version, type: msg.type });
      if (msg.type !== 'error') this.replyError(frame, OFPET_BAD_REQUEST, OFPBRC_BAD_VERSION);
      return;
    }
    this.dispatch(msg, frame);
  }

  private handleHello(frame: Uint8Array): void {
    const hello = readPeerHello(this.limits.versions, frame);
    if (!hello.ok) {
      this.log.warn('HELLO failed', { reason: hello.reason, peerVersion: hello.peerVersion });
      this.version = hello.replyVersion;
      this.sendInternal({ type: 'error', xid: peekHeader(frame)?.xid ?? 0, errType: OFPET_HELLO_FAILED, code: OFPHFC_INCOMPATIBLE, data: Buffer.from(hello.reason, 'ascii') }, true);
      void this.close('HELLO_FAILED', hello.reason);
      return;
    }
    this.version = hello.version;
    this.state = 'handshake';
    this.log.debug('version negotiated', { version: hello.version, peerVersion: hello.peerVersion, bitmap: hello.bitmap });
    void this.handshake();
  }

  private async handshake(): Promise<void> {
    try {
      const r = await runHandshake({
        version: this.version,
        missSendLen: this.limits.missSendLen,
        request: async (m) => (await this.requestInternal(m, this.limits.requestTimeoutMs)).reply,
        barrier: () => this.barrierInternal(this.limits.requestTimeoutMs),
        send: (m) => void this.sendInternal(m),
      });
      if (this.state !== 'handshake') return;
      this.datapathId = r.features.datapathId;
      this.dpid = formatDpid(r.features.datapathId);
      this.desc = r.desc;
      this.portTable.addReported(r.ports);
      if (r.ports.length > this.limits.maxPorts) this.log.warn('switch reports more ports than the port limit; the rest ignored', { ports: r.ports.length, limit: this.limits.maxPorts });
      this.log = this.log.child({ dpid: this.dpid });
      for (const e of r.configErrors) this.log.warn('switch refused SET_CONFIG', { errType: e.errType, code: e.code });
      if (r.groups?.ok) {
        this.groupFeatures = r.groups.features;
        const f = r.groups.features;
        this.log.info('switch group features read', { types: f.types, capabilities: f.capabilities, maxGroups: f.maxGroups, actions: f.actions });
      } else if (r.groups) {
        this.log.warn('switch gave no group features; its flows will use no groups', { reason: r.groups.reason });
      }
      this.handshakeTimer?.cancel();
      this.state = 'ready';
      this.emit('ready');
    } catch (err) {
      if (this.state === 'closed') return;
      this.destroy('HANDSHAKE_FAILED', err instanceof Error ? err.message : String(err));
    }
  }

  private dispatch(msg: OfpMessage, frame: Uint8Array): void {
    switch (msg.type) {
      case 'echoRequest':
        this.sendInternal({ type: 'echoReply', xid: msg.xid, data: msg.data }, true);
        return;
      case 'error': {
        const { matched, info } = this.tracker.handleError(msg);
        if (matched) return;
        this.warn('switch error', { dpid: this.dpid, xid: msg.xid, errType: msg.errType, code: msg.code, request: info.request?.type });
        if (this.listenerCount('switchError') > 0) this.emit('switchError', info);
        return;
      }
      case 'portStatus':
        if (!this.portTable.apply(msg)) {
          // A switch inventing ports: the map (and everything keyed by its ports above) stays bounded.
          this.warn('port added beyond the port limit; ignored', { dpid: this.dpid, port: msg.desc.portNo, limit: this.limits.maxPorts });
          return;
        }
        if (this.state === 'ready') this.emit('portStatus', msg);
        return;
      case 'packetIn':
        if (this.state === 'ready' && this.packetIns.admit(msg.inPort)) this.emit('packetIn', msg);
        return;
      case 'flowRemoved':
        if (this.state === 'ready') this.emit('flowRemoved', msg);
        return;
      case 'roleStatus':
        this.log.info('switch changed our role', { dpid: this.dpid, role: msg.role, reason: msg.reason, generationId: String(msg.generationId) });
        if (this.state === 'ready') this.emit('roleStatus', msg);
        return;
      case 'hello':
      case 'experimenter':
        return;
      default:
        if (this.tracker.handleReply(msg, frame.length)) return;
        if (!isSwitchToController(msg.type)) {
          this.warn('switch sent a controller-to-switch message', { dpid: this.dpid, type: msg.type });
          this.replyError(frame, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE);
          return;
        }
        this.log.debug('unsolicited reply dropped', { dpid: this.dpid, type: msg.type, xid: msg.xid });
    }
  }

  private handleDecodeError(frame: Uint8Array, error: CodecError): void {
    this.warn('malformed message from switch', {
      dpid: this.dpid,
      code: error.code,
      offset: error.offset,
      msgType: error.msgType,
      xid: error.xid,
      error: error.message,
    });
    if (error.xid !== undefined && error.xid !== 0) {
      const failed = this.tracker.failRequest(
        error.xid,
        (request) => new ChannelError('DECODE_ERROR', `reply to ${request.type} undecodable: ${error.code}`, { request, codecError: error }),
      );
      if (failed) return;
    }
    // Never answer an ERROR with an ERROR (two peers could loop).
    if (error.msgType === OFPT13.OFPT_ERROR) return; // 1 in both versions
    this.replyError(frame, OFPET_BAD_REQUEST, badRequestCode(error));
  }

  /** A warning a peer can trigger at will: once a minute per connection and message, with the count of those suppressed. */
  private warn(message: string, fields: Record<string, unknown>): void {
    this.warnings.log(this.log, 'warn', this.remote, message, fields);
  }

  private replyError(frame: Uint8Array, errType: number, code: number): void {
    const head = peekHeader(frame);
    // The ERROR carries (at least) the first 64 bytes of the offending message.
    this.sendInternal({ type: 'error', xid: head?.xid ?? 0, errType, code, data: frame.subarray(0, 64) }, true);
  }
}
