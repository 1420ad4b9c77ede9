// Codec failures. Inside the codec a failure is thrown as CodecException and
// caught at the public entry points, which hand it back as a value.
import type { CodecError, CodecErrorCode } from './types.js';

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
