// Why a store could not be opened or written. Opening failures stop the
// start: Spotlight never comes up empty over a store it cannot read. A write
// that failed is `store_write_failed` (nothing changed) or, on etcd,
// `store_unavailable` (no answer in time: it may or may not have landed).

export type StoreErrorCode =
  | 'store_locked'
  | 'store_unreadable'
  | 'store_corrupt'
  | 'store_not_spotlight'
  | 'store_schema_unknown'
  | 'store_write_failed'
  | 'store_unavailable'
  | 'store_closed'
  | 'store_not_empty';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
