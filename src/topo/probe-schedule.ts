// When each probed port is next due a discovery probe. A timer asks many
// times a second for the ports now due; a pass over every port of every
// switch each time would cost the fabric's size (tens of thousands of ports
// at a cloud's scale) for the handful due, so the due times sit in a binary
// heap ordered by time. A port's due time is changed or removed in the map
// at once; the heap's older entries for it are stale and skipped when they
// come up.

interface Entry {
  due: number;
  key: string;
}

export class ProbeSchedule {
  private readonly dueOf = new Map<string, number>();
  private readonly heap: Entry[] = [];

  has(key: string): boolean {
    return this.dueOf.has(key);
  }

  get(key: string): number | undefined {
    return this.dueOf.get(key);
  }

  set(key: string, due: number): void {
    if (this.dueOf.get(key) === due) return;
    this.dueOf.set(key, due);
    this.push({ due, key });
  }

  delete(key: string): void {
    this.dueOf.delete(key);
  }

  /** Removes and returns the ports due at `now` (their due time, earliest first); each must be set again to be probed again. */
  takeDue(now: number): { key: string; due: number }[] {
    const out: { key: string; due: number }[] = [];
    while (this.heap.length > 0 && this.heap[0]!.due <= now) {
      const e = this.pop();
      if (this.dueOf.get(e.key) !== e.due) continue;
      this.dueOf.delete(e.key);
      out.push(e);
    }
    // Stale entries pile up when due times change often: rebuild once they outnumber the live ones.
    if (this.heap.length > 2 * this.dueOf.size + 64) this.rebuild();
    return out;
  }

  get size(): number {
    return this.dueOf.size;
  }

  private rebuild(): void {
    this.heap.length = 0;
    for (const [key, due] of this.dueOf) this.push({ due, key });
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.due <= e.due) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]!.due < h[l]!.due ? r : l;
        if (h[c]!.due >= last.due) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
