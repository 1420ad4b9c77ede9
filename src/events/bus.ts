// The controller's event stream: every event gets the next sequence number
// and stays in a bounded ring, so a client that lost its connection resumes
// from the last number it saw (GET /v1/events?since=N, or SSE's
// Last-Event-ID) and gets what it missed, or is told that it is gone.
export type EventType =
  | 'model'
  | 'switch-connected'
  | 'switch-disconnected'
  | 'link-up'
  | 'link-down'
  | 'realized'
  | 'spoof-drops'
  | 'migration';

export interface SpotlightEvent {
  seq: number;
  /** ISO 8601. */
  time: string;
  type: EventType;
  data: Record<string, unknown>;
}

/** What a subscriber gets first when it resumes: the events it missed, or word that some are gone. */
export interface Resume {
  events: SpotlightEvent[];
  /** True when events after `since` have left the ring (or `since` is from another run): re-read the state. */
  gap: boolean;
}

export type EventListener = (e: SpotlightEvent) => void;

/** Events kept for resuming clients. */
export const DEFAULT_RING = 10_000;

export class EventBus {
  /** The last `capacity` events: event number n sits at (n - 1) % capacity, so publishing never moves the others. */
  private readonly ring: SpotlightEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private seq = 0;

  constructor(
    private readonly capacity = DEFAULT_RING,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get latest(): number {
    return this.seq;
  }

  publish(type: EventType, data: Record<string, unknown>): SpotlightEvent {
    const e: SpotlightEvent = { seq: ++this.seq, time: this.now().toISOString(), type, data };
    this.ring[(e.seq - 1) % this.capacity] = e;
    for (const l of this.listeners) l(e);
    return e;
  }

  /** The events after `since` still held; a gap when some are gone or `since` is ahead of this run. */
  since(since: number): Resume {
    if (since > this.seq) return { events: [], gap: true };
    const oldest = Math.max(1, this.seq - this.capacity + 1);
    const events: SpotlightEvent[] = [];
    for (let n = Math.max(since + 1, oldest); n <= this.seq; n++) events.push(this.ring[(n - 1) % this.capacity]!);
    return { events, gap: since < oldest - 1 };
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
