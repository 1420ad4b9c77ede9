// JSON text of values that hold bigints (cookies, metadata, datapath ids):
// JSON.stringify throws on a bigint, so every writer passes this replacer.

/** JSON.stringify replacer: a bigint as its decimal text. */
export function bigintText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
