// Counts the calls of one method of one object (private ones included, as
// tests that bound how much work an event does need), calling through to it.
export function countCalls(target: object, method: string): { readonly count: number } {
  const host = target as Record<string, (...a: unknown[]) => unknown>;
  const original = host[method];
  if (typeof original !== 'function') throw new TypeError(`no method ${method}`);
  const counter = { count: 0 };
  host[method] = function (this: unknown, ...a: unknown[]) {
    counter.count++;
    return original.apply(this, a);
  };
  return counter;
}
