// Stable error and disconnect codes of the switch channel, documented in
// src/channel/README.md. Failures reach callers as ChannelError values (promise
// rejections or events); nothing here throws into the socket's event loop.
import type { CodecError } from '../openflow/errors.js';
import type { ErrorMsg, OfpMessage } from '../openflow/message-model.js';
import { OFPBRC_BAD_LEN, OFPBRC_BAD_TYPE, OFPBRC_BAD_VERSION } from '../openflow/wire-values.js';

export type ChannelErrorCode =
  /** The switch answered a request with an OpenFlow ERROR message. */
  | 'SWITCH_ERROR'
  /** No reply within the request's timeout. */
  | 'REQUEST_TIMEOUT'
  /** The connection closed before the reply came. */
  | 'CLOSED'
  /** Our own message could not be encoded (a caller bug, reported, not sent). */
  | 'ENCODE_ERROR'
  /** The reply arrived but could not be decoded. */
  | 'DECODE_ERROR'
  /** The negotiated version cannot do this (bundles need OF1.3). */
  | 'UNSUPPORTED'
  /** send/request before the handshake finished. */
  | 'NOT_READY'
  /** A multipart reply broke a cap on parts, entries or bytes; the connection is closed. */
  | 'REPLY_TOO_LARGE';

/** Why a connection ended; also the `reason` of switchDisconnected. */
export type DisconnectReason =
  | 'PEER_CLOSED'
  | 'SOCKET_ERROR'
  | 'HANDSHAKE_TIMEOUT'
  | 'HELLO_FAILED'
  | 'ECHO_TIMEOUT'
  | 'FRAMING_ERROR'
  | 'OUTPUT_OVERFLOW'
  | 'REPLACED'
  | 'HANDSHAKE_FAILED'
  | 'REPLY_TOO_LARGE'
  | 'REFUSED'
  | 'LOCAL_CLOSE';

/** An OpenFlow ERROR from the switch, with the request that caused it when known. */
export interface SwitchErrorInfo {
  errType: number;
  code: number;
  /** The switch's ERROR message as received. */
  error: ErrorMsg;
  /** The message we sent with the ERROR's xid, if we still knew it. */
  request?: OfpMessage;
}

export class ChannelError extends Error {
  readonly code: ChannelErrorCode;
  /** The request this error concerns. */
  readonly request?: OfpMessage;
  readonly switchError?: SwitchErrorInfo;
  readonly codecError?: CodecError;

  constructor(
    code: ChannelErrorCode,
    message: string,
    extra: { request?: OfpMessage; switchError?: SwitchErrorInfo; codecError?: CodecError } = {},
  ) {
    super(message);
    this.name = 'ChannelError';
    this.code = code;
    if (extra.request) this.request = extra.request;
    if (extra.switchError) this.switchError = extra.switchError;
    if (extra.codecError) this.codecError = extra.codecError;
  }
}

/** The OFPET_BAD_REQUEST code that answers a message we could not decode. */
export function badRequestCode(error: CodecError): number {
  return error.code === 'BAD_VERSION' ? OFPBRC_BAD_VERSION : error.code === 'BAD_TYPE' ? OFPBRC_BAD_TYPE : OFPBRC_BAD_LEN;
}
