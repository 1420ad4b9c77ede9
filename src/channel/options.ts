// Per-connection limits and timers; defaults documented in src/channel/README.md.
import { DEFAULT_REPLY_LIMITS } from './requests.js';
import { OFP10_VERSION, OFP13_VERSION, CONTROLLER_MAX_LEN_NO_BUFFER, type OfVersion } from '../openflow/wire-values.js';

export interface ConnectionLimits {
  /** Versions offered in our HELLO bitmap. */
  versions: readonly OfVersion[];
  /** SET_CONFIG miss_send_len (0xffff: whole packet, no buffering). */
  missSendLen: number;
  /** HELLO through switch description must finish within this. */
  handshakeTimeoutMs: number;
  /** Default per-request deadline (a multipart reply's parts do not move it). */
  requestTimeoutMs: number;
  /** Caps on one multipart reply: parts, entries (flows, ports, ...) and wire bytes. Past one, the switch is disconnected. */
  maxReplyParts: number;
  maxReplyEntries: number;
  maxReplyBytes: number;
  /** Idle time before an ECHO_REQUEST; 0 disables keepalive. */
  echoIntervalMs: number;
  /** Unanswered echo intervals in a row before disconnecting. */
  echoMaxMisses: number;
  /** Output waiting for one switch (our queue + socket buffer) before it is dropped. */
  maxOutputBytes: number;
  /** Messages handled from one switch per event-loop turn before yielding to others. */
  maxMessagesPerTurn: number;
  /** PACKET_INs accepted per second from one switch; the excess is dropped and counted. */
  packetInPerSecond: number;
  /** PACKET_INs accepted per second from one input port of a switch; the excess is dropped and counted. */
  packetInPerPortPerSecond: number;
  /** PACKET_IN buckets allowed beyond the switch's port count (fair share per input port). */
  packetInPortSlack: number;
  /** Fire-and-forget messages remembered for matching a later ERROR. */
  maxRemembered: number;
  /** Ports kept per switch; PORT_STATUS adds beyond it are ignored (logged). */
  maxPorts: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  versions: [OFP10_VERSION, OFP13_VERSION],
  missSendLen: CONTROLLER_MAX_LEN_NO_BUFFER,
  handshakeTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  maxReplyParts: DEFAULT_REPLY_LIMITS.maxParts,
  maxReplyEntries: DEFAULT_REPLY_LIMITS.maxEntries,
  maxReplyBytes: DEFAULT_REPLY_LIMITS.maxBytes,
  echoIntervalMs: 5_000,
  echoMaxMisses: 3,
  maxOutputBytes: 64 * 1024 * 1024,
  maxMessagesPerTurn: 500,
  packetInPerSecond: 2_000,
  packetInPerPortPerSecond: 100,
  packetInPortSlack: 8,
  maxRemembered: 200_000,
  maxPorts: 4096,
};
