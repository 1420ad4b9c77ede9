// HELLO in every version: an optional list of elements after the header, each
// {type u16, length u16, body} padded to 8 bytes. OFPHET_VERSIONBITMAP (1)
// carries u32 words; bit n of word w means wire version 32*w+n is supported.
import { CodecException, fail } from './errors.js';
import { MAX_BITMAP_WORDS, MAX_HELLO_ELEMENTS } from './limits.js';
import type { Reader } from './reader.js';
import type { Hello } from './message-model.js';
import type { OfVersion } from './wire-values.js';
import type { Writer } from './writer.js';
import { OFPHET_VERSIONBITMAP } from './of13/constants.js';

export const OFPT_HELLO = 0;

/**
 * Before OF1.3 a HELLO body had no defined structure and receivers ignore it,
 * so for versions 1..3 a body that is not well-formed elements is ignored too.
 */
export function decodeHello(r: Reader, version: number, xid: number): Hello {
  if (version >= 4) return readHello(r, version, xid);
  const start = r.pos;
  try {
    return readHello(r, version, xid);
  } catch (e) {
    if (!(e instanceof CodecException)) throw e;
    r.pos = start;
    return { version: version as OfVersion, xid, type: 'hello' };
  }
}

function readHello(r: Reader, version: number, xid: number): Hello {
  let versions: number[] | undefined;
  let count = 0;
  while (r.remaining > 0) {
    if (++count > MAX_HELLO_ELEMENTS) fail('TOO_MANY_ELEMENTS', `HELLO: more than ${MAX_HELLO_ELEMENTS} elements`, r.pos);
    const at = r.pos;
    if (r.remaining < 4) fail('BAD_ELEMENT_LENGTH', `HELLO element header needs 4 bytes, ${r.remaining} left`, at);
    const type = r.u16();
    const len = r.u16();
    if (len < 4) fail('BAD_ELEMENT_LENGTH', `HELLO element length ${len} is below its 4-byte header`, at + 2);
    const body = r.sub(len - 4, 'HELLO element');
    if (type === OFPHET_VERSIONBITMAP) {
      if ((len - 4) % 4 !== 0) fail('BAD_ELEMENT_LENGTH', `version bitmap length ${len} is not 4 + 4n`, at + 2);
      const words = (len - 4) / 4;
      if (words > MAX_BITMAP_WORDS) fail('TOO_MANY_ELEMENTS', `version bitmap of ${words} words`, at);
      versions ??= [];
      for (let wi = 0; wi < words; wi++) {
        const word = body.u32();
        for (let bit = 0; bit < 32; bit++) if ((word >>> bit) & 1) versions.push(wi * 32 + bit);
      }
    }
    // Elements are padded to 8 bytes; tolerate a last element without its padding.
    const pad = (8 - (len & 7)) & 7;
    r.skip(Math.min(pad, r.remaining));
  }
  const hello: Hello = { version: version as OfVersion, xid, type: 'hello' };
  if (versions) hello.versions = [...new Set(versions)].sort((a, b) => a - b);
  return hello;
}

export function encodeHello(w: Writer, msg: Hello): void {
  const start = w.header(msg.version, OFPT_HELLO, msg.xid);
  if (msg.versions !== undefined) {
    if (!Array.isArray(msg.versions) || msg.versions.length === 0) fail('BAD_VALUE', 'HELLO versions must be a non-empty array', w.pos);
    let max = 0;
    for (const v of msg.versions) {
      if (!(Number.isInteger(v) && v >= 1 && v < 32 * MAX_BITMAP_WORDS)) fail('BAD_VALUE', `HELLO version ${String(v)} out of range`, w.pos);
      if (v > max) max = v;
    }
    const words = new Array<number>((max >>> 5) + 1).fill(0);
    for (const v of msg.versions) words[v >>> 5] = (words[v >>> 5]! | (1 << (v & 31))) >>> 0;
    const el = w.pos;
    w.u16(OFPHET_VERSIONBITMAP);
    w.u16(4 + 4 * words.length);
    for (const word of words) w.u32(word);
    w.pad8(el);
  }
  w.endMessage(start);
}
