// Codec failures. Inside the codec a failure is thrown as CodecException and
// caught at the public entry points, which hand it back as a value.
import type { OfpMessage } from './message-model.js';

/** Why a decode (or encode) failed; stable codes, documented in src/openflow/README.md. */
export type CodecErrorCode =
  | 'TRUNCATED_HEADER'
  | 'BAD_LENGTH'
  | 'TRAILING_BYTES'
  | 'BAD_VERSION'
  | 'BAD_TYPE'
  | 'TRUNCATED_BODY'
  | 'BAD_ELEMENT_LENGTH'
  | 'BAD_OXM'
  | 'BAD_OXM_MASK'
  | 'BAD_OXM_PREREQ'
  | 'DUPLICATE_FIELD'
  | 'TOO_MANY_ELEMENTS'
  | 'BAD_VALUE'
  | 'UNSUPPORTED';

export interface CodecError {
  code: CodecErrorCode;
  message: string;
  /** Byte offset in the message where the problem was found. */
  offset: number;
  /** From the header, when the header could be read. */
  version?: number;
  msgType?: number;
  xid?: number;
}

export type DecodeResult = { ok: true; message: OfpMessage } | { ok: false; error: CodecError };
export type EncodeResult = { ok: true; bytes: Buffer } | { ok: false; error: CodecError };

export class CodecException extends Error {
  readonly error: CodecError;
  constructor(error: CodecError) {
    super(`${error.code}: ${error.message} (offset ${error.offset})`);
    this.name = 'CodecException';
    this.error = error;
  }
}

export function fail(code: CodecErrorCode, message: string, offset: number): never {
  throw new CodecException({ code, message, offset });
}
