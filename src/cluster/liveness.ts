// A small TCP listener each instance holds for as long as its process lives,
// and the probe followers send to the leader's.
//
// The listener answers every connection with one line naming the instance
// ("spotlight-instance ID\n") and keeps nothing else. It is opened before the
// instance campaigns and closed only after its election lease is revoked, so
// while an instance may lead, its port is open. When the process is gone
// (killed, crashed) the kernel of its host answers a connection to that port
// with a reset: the probe sees ECONNREFUSED. A paused process (SIGSTOP) or a
// busy one still has its listening socket, so the kernel completes the
// handshake and the line just does not come: "silent", not refused. A host
// that is down, or a network that drops packets, gives a timeout:
// "unreachable". Only a refusal says the process is gone.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** The first and only line the listener writes, followed by the instance id. */
export const GREETING = 'spotlight-instance';

/** Where an instance's liveness listener is, as it advertises it in etcd. */
export interface LivenessAddress {
  host: string;
  port: number;
}

/**
 * What a probe found at an address:
 * - answered: a connection, and the line names the instance probed for;
 * - other: a connection, but something else answered (another instance, another program);
 * - silent: a connection, but no line in time, or closed without one (a paused or busy process);
 * - refused: the host answered the connection with a reset (nothing listens there);
 * - unreachable: no answer in time, or any other error (host down, network, name lookup).
 */
export type ProbeOutcome = 'answered' | 'other' | 'silent' | 'refused' | 'unreachable';
export const PROBE_OUTCOMES: readonly ProbeOutcome[] = ['answered', 'other', 'silent', 'refused', 'unreachable'];

/** Connections held at once; more are closed at once by the server (a probe sees "silent"). */
const MAX_CONNECTIONS = 256;
/** A prober that keeps its connection open past this is cut off. */
const IDLE_MS = 2000;

/** The advertised address, or undefined when `v` is not one. */
export function readLivenessAddress(v: unknown): LivenessAddress | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { host, port } = v as Record<string, unknown>;
  if (typeof host !== 'string' || host === '' || host.length > 255) return undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

export class LivenessListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(instanceId: string) {
    const line = `${GREETING} ${instanceId}\n`;
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.setTimeout(IDLE_MS, () => socket.destroy());
      // The prober closes first (it has what it came for), so the short-lived
      // connection's TIME_WAIT stays on its side; data it sends is ignored.
      socket.on('data', () => undefined);
      socket.write(line);
    });
    this.server.maxConnections = MAX_CONNECTIONS;
  }

  /** Listens on `host` (port 0: one the kernel picks); resolves with the address bound. */
  listen(host: string, port = 0): Promise<LivenessAddress> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        if (a === null || typeof a === 'string') return reject(new Error('liveness listener has no TCP address'));
        resolve({ host, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** One connection to `to`: whether instance `instanceId` answers there (see ProbeOutcome). */
export function probeLiveness(to: LivenessAddress, instanceId: string, timeoutMs: number): Promise<ProbeOutcome> {
  const expected = `${GREETING} ${instanceId}`;
  return new Promise((resolve) => {
    let connected = false;
    let text = '';
    let settled = false;
    // One address, no happy-eyeballs: a refusal must come from the address advertised.
    const socket = connect({ host: to.host, port: to.port, autoSelectFamily: false });
    const done = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done(connected ? 'silent' : 'unreachable'), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) done(text.slice(0, nl) === expected ? 'answered' : 'other');
      else if (text.length > expected.length) done('other');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => done(connected ? 'silent' : e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'));
    socket.on('close', () => done(connected ? 'silent' : 'unreachable'));
  });
}
