// The first look at an accepted socket, before any OpenFlow byte: plain TCP
// from a non-loopback peer when TLS is required, and more connections at once
// from one address than allowed, are refused. Accepted sockets are counted
// per address until they close, and their accept time is kept so that the
// handshake deadline runs from the accept, TLS handshake included.
import type net from 'node:net';
import type { Clock } from '../clock.js';

/** Why a session was refused (the label of spotlight_openflow_sessions_refused_total). */
export type RefusalReason =
  /** Plain TCP from a non-loopback peer while openflow.requireTls is set. */
  | 'plain_tcp'
  /** Too many connections at once from one address. */
  | 'address_limit'
  /** The switch certificate may not claim the datapath id. */
  | 'certificate'
  /** The datapath id is connected and its switch answers echoes. */
  | 'dpid_in_use'
  /** The settings do not admit this datapath id (a switch the description does not name). */
  | 'not_admitted';

export const REFUSAL_REASONS: readonly RefusalReason[] = ['plain_tcp', 'address_limit', 'certificate', 'dpid_in_use', 'not_admitted'];

export interface AdmissionOptions {
  clock: Clock;
  tls: boolean;
  requireTls: boolean;
  /** Connections at once from one non-loopback address. */
  maxPerAddress: number;
}

export type Screening = { ok: true } | { ok: false; reason: RefusalReason; detail: string };

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.replace(/^::ffff:/i, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === '::1' || a.toLowerCase() === 'localhost';
}

export class SocketAdmission {
  private readonly perAddress = new Map<string, number>();
  private readonly acceptedAtByRemote = new Map<string, number>();

  constructor(private readonly opts: AdmissionOptions) {}

  /** Screens a socket just accepted; an admitted one is tracked until it closes. */
  screen(raw: net.Socket): Screening {
    const address = raw.remoteAddress ?? '?';
    const loopback = isLoopbackAddress(address);
    if (!this.opts.tls && this.opts.requireTls && !loopback) {
      return { ok: false, reason: 'plain_tcp', detail: `plain TCP from ${address}; openflow.requireTls admits TLS only` };
    }
    const n = this.perAddress.get(address) ?? 0;
    if (!loopback && n >= this.opts.maxPerAddress) {
      return { ok: false, reason: 'address_limit', detail: `${address} already has ${n} connections (limit ${this.opts.maxPerAddress})` };
    }
    const remote = remoteKey(raw);
    this.perAddress.set(address, n + 1);
    this.acceptedAtByRemote.set(remote, this.opts.clock.now());
    raw.once('close', () => {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      this.acceptedAtByRemote.delete(remote);
    });
    return { ok: true };
  }

  /** When the socket (plain, or the TCP under a TLS one) was accepted. */
  acceptedAt(socket: net.Socket): number | undefined {
    return this.acceptedAtByRemote.get(remoteKey(socket));
  }

  /** Addresses with a connection now (tests). */
  get addressCount(): number {
    return this.perAddress.size;
  }
}

function remoteKey(s: net.Socket): string {
  return `${s.remoteAddress ?? '?'}|${s.remotePort ?? 0}`;
}
