// What a switch connection is told to use, what it emits, and what its sends
// and barriers answer.
import type { Clock } from '../clock.js';
import type { RepeatedLogLimiter, Logger } from '../log.js';
import type { FlowRemoved, PacketIn, PortStatus, RoleStatus } from '../openflow/message-model.js';
import type { ChannelError, DisconnectReason, SwitchErrorInfo } from './errors.js';
import type { ConnectionLimits } from './options.js';

export type ConnectionState = 'hello' | 'handshake' | 'ready' | 'closed';

export interface ConnectionEvents {
  ready: [];
  closed: [reason: DisconnectReason, detail: string];
  portStatus: [msg: PortStatus];
  packetIn: [msg: PacketIn];
  flowRemoved: [msg: FlowRemoved];
  /** The switch changed our role on its own (OF1.3: another controller became master). */
  roleStatus: [msg: RoleStatus];
  /** An ERROR not answering an awaited request (fire-and-forget message or unsolicited). */
  switchError: [info: SwitchErrorInfo];
}

export type SendResult = { ok: true; xid: number } | { ok: false; error: ChannelError };

export interface BarrierResult {
  /** ERRORs raised by messages sent (without awaiting) before this barrier. */
  errors: SwitchErrorInfo[];
}

export interface ConnectionDeps {
  clock: Clock;
  logger: Logger;
  limits: ConnectionLimits;
  /** Time left for the handshake, when part of it went before (TLS); default limits.handshakeTimeoutMs. */
  handshakeDeadlineMs?: number;
  /** Limits repeated warnings per switch (shared by the listener's connections). */
  logLimiter?: RepeatedLogLimiter;
}
