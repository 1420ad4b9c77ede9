// The OpenFlow listener: accepts switches over TCP or TLS, runs one
// SwitchConnection per socket, keeps the ready ones by datapath id and re-emits
// their events naming the switch. A second connection with a datapath id
// already connected replaces the old one (the usual reconnect after a switch
// lost its TCP session without us noticing).
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { FlowRemoved, OfVersion, PacketIn, PortDesc, PortStatus, SwitchDesc } from '../openflow/types.js';
import type { Logger } from '../log.js';
import { systemClock, type Clock } from './clock.js';
import { SwitchConnection } from './connection.js';
import type { DisconnectReason, SwitchErrorInfo } from './errors.js';
import { DEFAULT_LIMITS, type ConnectionLimits } from './options.js';
import { loadTlsOptions, type TlsSettings } from './tls.js';

export interface SwitchConnectedEvent {
  dpid: string;
  datapathId: bigint;
  version: OfVersion;
  ports: PortDesc[];
  desc: SwitchDesc | undefined;
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

export interface ServerEvents {
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

  constructor(private readonly opts: ServerOptions) {
    super();
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ component: 'openflow-server' });
    this.tlsOn = opts.tls !== undefined;
    if (opts.tls) {
      this.server = tls.createServer(loadTlsOptions(opts.tls), (s) => this.accept(s));
      this.server.on('tlsClientError', (err, s) =>
        this.log.warn('TLS handshake with switch failed', { remote: `${s.remoteAddress}:${s.remotePort}`, error: err.message }),
      );
    } else {
      this.server = net.createServer((s) => this.accept(s));
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
        this.log.info('listening for switches', { host: a.address, port: a.port, tls: this.tlsOn });
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

  private accept(socket: net.Socket): void {
    const conn = new SwitchConnection(socket, { clock: this.clock, logger: this.opts.logger, limits: this.limits });
    this.all.add(conn);
    this.log.debug('switch connected, handshaking', { remote: conn.remote });
    conn.on('ready', () => this.onReady(conn));
    conn.on('closed', (reason, detail) => this.onClosed(conn, reason, detail));
    conn.on('portStatus', (message) => this.emit('portStatus', { dpid: conn.dpid, connection: conn, message }));
    conn.on('packetIn', (message) => this.emit('packetIn', { dpid: conn.dpid, connection: conn, message }));
    conn.on('flowRemoved', (message) => this.emit('flowRemoved', { dpid: conn.dpid, connection: conn, message }));
    conn.on('switchError', (error) => {
      // An 'error' event without a listener would throw; the connection already logged it.
      if (this.listenerCount('error') > 0) this.emit('error', { dpid: conn.dpid, connection: conn, error });
    });
  }

  private onReady(conn: SwitchConnection): void {
    const old = this.byDpid.get(conn.dpid);
    if (old && old !== conn) {
      this.log.warn('datapath id connected again; closing the older connection', {
        dpid: conn.dpid,
        old: old.remote,
        new: conn.remote,
      });
      old.destroy('REPLACED', `replaced by a new connection from ${conn.remote}`);
    }
    this.byDpid.set(conn.dpid, conn);
    this.emit('switchConnected', {
      dpid: conn.dpid,
      datapathId: conn.datapathId,
      version: conn.version,
      ports: conn.ports,
      desc: conn.desc,
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
