// The OpenFlow listener: accepts switches over TCP or TLS, runs one
// SwitchConnection per socket, keeps the ready ones by datapath id and re-emits
// their events naming the switch. Only a registered connection speaks for its
// datapath id: a session is admitted once its dpid is known, its certificate
// may claim it (TLS), the settings admit it, and no live switch holds it. A
// second session for a connected dpid is held while the connected one is
// asked for an echo: if it answers, the newcomer is refused; if not (a switch
// that lost its TCP session without us noticing), the newcomer replaces it.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { FlowRemoved, PacketIn, PortStatus } from '../openflow/message-model.js';
import type { OfVersion } from '../openflow/wire-values.js';
import type { GroupFeatures, PortDesc, SwitchDesc } from '../openflow/stats-model.js';
import { RepeatedLogLimiter, type Logger } from '../log.js';
import { isLoopbackAddress, REFUSAL_REASONS, SocketAdmission, type RefusalReason } from './admission.js';
import { systemClock, type Clock } from '../clock.js';
import { SwitchConnection } from './connection.js';
import type { DisconnectReason, SwitchErrorInfo } from './errors.js';
import { certificateMayClaim, indexCertificateDpids } from './identity.js';
import { DEFAULT_LIMITS, type ConnectionLimits } from './options.js';
import { loadTlsOptions, type TlsSettings } from './tls.js';

export interface SwitchConnectedEvent {
  dpid: string;
  datapathId: bigint;
  version: OfVersion;
  ports: PortDesc[];
  desc: SwitchDesc | undefined;
  /** OF1.3: the switch's group features; undefined when it gave none (and on OF1.0). */
  groups: GroupFeatures | undefined;
  connection: SwitchConnection;
}
export interface SwitchDisconnectedEvent {
  dpid: string;
  datapathId: bigint;
  reason: DisconnectReason;
  detail: string;
  connection: SwitchConnection;
}
export interface SwitchMessageEvent<M> {
  dpid: string;
  connection: SwitchConnection;
  message: M;
}
export interface SwitchErrorEvent {
  dpid: string;
  connection: SwitchConnection;
  error: SwitchErrorInfo;
}

export interface SessionRefusedEvent {
  remote: string;
  /** Known once the switch sent FEATURES_REPLY. */
  dpid?: string;
  reason: RefusalReason;
  detail: string;
}

export interface ServerEvents {
  sessionRefused: [ev: SessionRefusedEvent];
  switchConnected: [ev: SwitchConnectedEvent];
  switchDisconnected: [ev: SwitchDisconnectedEvent];
  portStatus: [ev: SwitchMessageEvent<PortStatus>];
  packetIn: [ev: SwitchMessageEvent<PacketIn>];
  flowRemoved: [ev: SwitchMessageEvent<FlowRemoved>];
  /** A switch ERROR not consumed by an awaited request; `error.request` names the message that caused it when known. */
  error: [ev: SwitchErrorEvent];
}

export interface ServerOptions {
  host?: string;
  port?: number;
  tls?: TlsSettings;
  limits?: Partial<ConnectionLimits>;
  /** Connections (ready or not) accepted at once; further ones are refused. */
  maxConnections?: number;
  /** Connections at once from one non-loopback address (default 64). */
  maxConnectionsPerAddress?: number;
  /** Refuse plain-TCP sessions from non-loopback peers (a listener without TLS then serves loopback only). */
  requireTls?: boolean;
  /** How long a connected switch has to answer an echo before a new session for its dpid replaces it (default 2000 ms). */
  takeoverProbeMs?: number;
  /** Called once a session's dpid is known; a string refuses the session, naming why. */
  admitSwitch?: (dpid: string) => string | undefined;
  clock?: Clock;
  logger: Logger;
}

export class OpenFlowServer extends EventEmitter<ServerEvents> {
  private readonly server: net.Server;
  private readonly all = new Set<SwitchConnection>();
  private readonly byDpid = new Map<string, SwitchConnection>();
  private readonly limits: ConnectionLimits;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly tlsOn: boolean;
  /** Certificates must name (or be listed with) the dpid they claim. */
  private readonly bindsCertificates: boolean;
  private readonly certificateDpids: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly admission: SocketAdmission;
  /** Sessions held while the connected switch with their dpid is asked for an echo. */
  private readonly takeovers = new Map<string, SwitchConnection>();
  /** Warnings any peer can trigger, limited per peer. */
  private readonly warnings = new RepeatedLogLimiter();
  /** Sessions refused since start, by reason. */
  readonly refusals = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>;

  constructor(private readonly opts: ServerOptions) {
    super();
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ component: 'openflow-server' });
    this.tlsOn = opts.tls !== undefined;
    this.bindsCertificates = opts.tls !== undefined && opts.tls.requireClientCert !== false;
    this.certificateDpids = indexCertificateDpids(opts.tls?.dpids ?? {});
    this.admission = new SocketAdmission({
      clock: this.clock,
      tls: this.tlsOn,
      requireTls: opts.requireTls ?? false,
      maxPerAddress: opts.maxConnectionsPerAddress ?? 64,
    });
    if (opts.tls) {
      // The TLS handshake counts against the handshake deadline too.
      this.server = tls.createServer({ ...loadTlsOptions(opts.tls), handshakeTimeout: this.limits.handshakeTimeoutMs }, (s) => this.accept(s));
      this.server.on('connection', (raw: net.Socket) => this.screen(raw));
      this.server.on('tlsClientError', (err: Error, s: tls.TLSSocket) => {
        this.warnings.log(this.log, 'warn', s.remoteAddress ?? '?', 'TLS handshake with switch failed', { remote: `${s.remoteAddress}:${s.remotePort}`, error: err.message });
        // With a listener here Node leaves the socket open: a failed or timed-out handshake would hold its slot.
        s.destroy();
      });
    } else {
      this.server = net.createServer((s) => {
        if (this.screen(s)) this.accept(s);
      });
    }
    this.server.maxConnections = opts.maxConnections ?? 10_000;
    this.server.on('error', (err) => this.log.error('listener error', { error: err.message }));
  }

  /** Start listening; resolves with the bound address (port 0 picks a free one). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.opts.port ?? 6653, this.opts.host ?? '0.0.0.0', () => {
        this.server.off('error', onError);
        const a = this.server.address() as net.AddressInfo;
        this.log.info('listening for switches', { host: a.address, port: a.port, tls: this.tlsOn, requireTls: this.opts.requireTls ?? false });
        if (!this.tlsOn && !isLoopbackAddress(a.address) && !this.opts.requireTls) {
          this.log.warn(
            'switches connect over plain TCP on a non-loopback address: anyone who reaches this port can claim a datapath id and be handed that switch\'s flows; set openflow.tls and openflow.requireTls',
            { host: a.address, port: a.port },
          );
        }
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** Ready switches by datapath id. */
  switches(): SwitchConnection[] {
    return [...this.byDpid.values()];
  }

  get(dpid: string): SwitchConnection | undefined {
    return this.byDpid.get(dpid);
  }

  /** Connections in any state, for metrics and tests. */
  get connectionCount(): number {
    return this.all.size;
  }

  /** Stop accepting, close every switch after draining its output, wait for the sockets. */
  async close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.all].map((c) => c.close('LOCAL_CLOSE', 'controller shutting down')));
    await stopped;
  }

  /** True when the socket may go on to the handshake. */
  private screen(raw: net.Socket): boolean {
    const verdict = this.admission.screen(raw);
    if (verdict.ok) return true;
    this.refused({ remote: `${raw.remoteAddress}:${raw.remotePort}`, reason: verdict.reason, detail: verdict.detail }, raw.remoteAddress ?? '?');
    raw.destroy();
    return false;
  }

  private accept(socket: net.Socket): void {
    const acceptedAt = this.admission.acceptedAt(socket);
    const conn = new SwitchConnection(socket, {
      clock: this.clock,
      logger: this.opts.logger,
      limits: this.limits,
      logLimiter: this.warnings,
      ...(acceptedAt !== undefined ? { handshakeDeadlineMs: this.limits.handshakeTimeoutMs - (this.clock.now() - acceptedAt) } : {}),
    });
    this.all.add(conn);
    this.log.debug('switch connected, handshaking', { remote: conn.remote });
    conn.on('ready', () => this.onReady(conn));
    conn.on('closed', (reason, detail) => this.onClosed(conn, reason, detail));
    // Only the registered session speaks for its dpid: a held or refused one is heard by no one.
    const mine = (): boolean => this.byDpid.get(conn.dpid) === conn;
    conn.on('portStatus', (message) => mine() && this.emit('portStatus', { dpid: conn.dpid, connection: conn, message }));
    conn.on('packetIn', (message) => mine() && this.emit('packetIn', { dpid: conn.dpid, connection: conn, message }));
    conn.on('flowRemoved', (message) => mine() && this.emit('flowRemoved', { dpid: conn.dpid, connection: conn, message }));
    conn.on('switchError', (error) => {
      // An 'error' event without a listener would throw; the connection already logged it.
      if (mine() && this.listenerCount('error') > 0) this.emit('error', { dpid: conn.dpid, connection: conn, error });
    });
  }

  private onReady(conn: SwitchConnection): void {
    const refusal = this.identityRefusal(conn);
    if (refusal) return this.refuse(conn, refusal.reason, refusal.detail);
    const old = this.byDpid.get(conn.dpid);
    if (!old || old === conn) return this.register(conn);
    if (this.takeovers.has(conn.dpid)) return this.refuse(conn, 'dpid_in_use', `another session for ${conn.dpid} is already waiting`);
    this.takeovers.set(conn.dpid, conn);
    void old.answersEcho(this.opts.takeoverProbeMs ?? 2000).then((alive) => {
      this.takeovers.delete(conn.dpid);
      if (conn.state !== 'ready') return;
      const current = this.byDpid.get(conn.dpid);
      if (alive && current === old && old.state === 'ready') {
        return this.refuse(conn, 'dpid_in_use', `${conn.dpid} is connected from ${old.remote} and answers echoes`);
      }
      if (current && current !== conn) {
        this.log.warn('datapath id connected again and the older connection does not answer; closing it', { dpid: conn.dpid, old: current.remote, new: conn.remote });
        current.destroy('REPLACED', `replaced by a new connection from ${conn.remote}`);
      }
      this.register(conn);
    });
  }

  /** The certificate's and the settings' word on the claimed dpid. */
  private identityRefusal(conn: SwitchConnection): { reason: RefusalReason; detail: string } | undefined {
    if (this.bindsCertificates) {
      const v = certificateMayClaim(conn.peerCertificate, conn.dpid, this.certificateDpids);
      if (!v.ok) return { reason: 'certificate', detail: v.reason };
    }
    const notAdmitted = this.opts.admitSwitch?.(conn.dpid);
    return notAdmitted === undefined ? undefined : { reason: 'not_admitted', detail: notAdmitted };
  }

  private refuse(conn: SwitchConnection, reason: RefusalReason, detail: string): void {
    this.refused({ remote: conn.remote, dpid: conn.dpid, reason, detail }, conn.remote.replace(/:\d+$/, ''));
    conn.destroy('REFUSED', detail);
  }

  private refused(ev: SessionRefusedEvent, source: string): void {
    this.refusals[ev.reason]++;
    this.warnings.log(this.log, 'warn', source, 'switch session refused', { ...ev });
    this.emit('sessionRefused', ev);
  }

  private register(conn: SwitchConnection): void {
    this.byDpid.set(conn.dpid, conn);
    this.emit('switchConnected', {
      dpid: conn.dpid,
      datapathId: conn.datapathId,
      version: conn.version,
      ports: conn.ports,
      desc: conn.desc,
      groups: conn.groupFeatures,
      connection: conn,
    });
  }

  private onClosed(conn: SwitchConnection, reason: DisconnectReason, detail: string): void {
    this.all.delete(conn);
    // Never became ready: nobody was told it connected. (A replaced connection is
    // still the one mapped when it closes, so its disconnect is reported first.)
    if (conn.dpid === '' || this.byDpid.get(conn.dpid) !== conn) return;
    this.byDpid.delete(conn.dpid);
    this.emit('switchDisconnected', { dpid: conn.dpid, datapathId: conn.datapathId, reason, detail, connection: conn });
  }
}
