// `spotlight events`: follows GET /v1/events in the terminal, one line per
// event, resuming from the last sequence number when the connection drops.
import type { SpotlightEvent } from '../events/bus.js';
import { normalizeUrl } from './api-client.js';

export interface FollowOptions {
  url: string;
  token?: string;
  since?: number;
  /** Stop after this many events (scripts); default: follow until interrupted. */
  count?: number;
  json?: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Pause before reconnecting after the stream ends. */
  retryMs?: number;
}

/** The fields the event types carry (each type a subset). */
interface EventData {
  generation?: number;
  changes?: { kind: string; id: string; action: string }[];
  switch?: string;
  version?: string;
  reason?: string;
  a?: { switch: string; port: string | number };
  b?: { switch: string; port: string | number };
  stage?: string;
  port?: string | number;
  packets?: number;
  total?: number;
  vm?: string;
  phase?: string;
  askedBy?: string;
}

const port = (p: unknown): string => (typeof p === 'number' ? String(p) : String(p ?? '?'));

/** One line per event: what happened, to what. */
export function eventLine(e: SpotlightEvent): string {
  const d = e.data as EventData;
  let what: string;
  switch (e.type) {
    case 'model':
      what = `generation ${d.generation}: ${(d.changes ?? []).map((c) => `${c.kind} ${c.id} ${c.action}`).join(', ')}`;
      break;
    case 'switch-connected':
      what = `${d.switch} connected (OpenFlow ${d.version})`;
      break;
    case 'switch-disconnected':
      what = `${d.switch} disconnected (${d.reason})`;
      break;
    case 'link-up':
    case 'link-down':
      what = `${d.a?.switch}:${port(d.a?.port)} <-> ${d.b?.switch}:${port(d.b?.port)}`;
      break;
    case 'realized':
      what = `${d.switch} confirmed generation ${d.generation}`;
      break;
    case 'spoof-drops':
      what = `${d.switch} ${d.stage} port ${d.port}: ${d.packets} forged packets dropped since the last read (${d.total} in all)`;
      break;
    case 'migration':
      what = `vm ${d.vm} migration ${d.phase}${d.askedBy ? ` by the ${d.askedBy}, waiting for the other side` : ''} (generation ${d.generation})`;
      break;
    default:
      what = JSON.stringify(d);
  }
  return `${String(e.seq).padStart(6)}  ${e.time}  ${e.type.padEnd(19)}  ${what}`;
}

function fail(o: FollowOptions, code: string, status: number, message: string): number {
  if (o.json) o.err(`${JSON.stringify({ error: { code, message, ...(status ? { status } : {}) } })}\n`);
  else o.err(`error: ${message} (${code}${status ? `, HTTP ${status}` : ''})\n`);
  return 1;
}

/** Follows the stream; resolves with the exit status (0 after `count` events, 1 on an error answer). */
export async function followEvents(o: FollowOptions): Promise<number> {
  let last = o.since;
  let seen = 0;
  const base = normalizeUrl(o.url);
  for (;;) {
    const url = `${base}/v1/events${last !== undefined ? `?since=${last}` : ''}`;
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let res: Response;
    try {
      res = await fetch(url, { headers });
    } catch (err) {
      const c = (err as { cause?: { code?: string } }).cause;
      return fail(o, 'unreachable', 0, `cannot reach ${base}: ${c?.code ?? (err as Error).message}`);
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let message = `${url} answered ${res.status}`;
      let code = 'http_error';
      try {
        const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
        message = e?.message ?? message;
        code = e?.code ?? code;
      } catch {
        // not JSON: keep the status line
      }
      return fail(o, code, res.status, message);
    }
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!type || data === undefined) continue;
        if (type === 'gap') {
          o.err(`note: ${(JSON.parse(data) as { message: string }).message}\n`);
          continue;
        }
        const e = JSON.parse(data) as SpotlightEvent;
        last = e.seq;
        o.out(o.json ? `${data}\n` : `${eventLine(e)}\n`);
        if (o.count !== undefined && ++seen >= o.count) {
          await res.body.cancel().catch(() => undefined);
          return 0;
        }
      }
    }
    // The controller closed the stream (a restart): resume from the last event seen.
    o.err(`note: the event stream ended; reconnecting from ${last ?? 'now'}\n`);
    await new Promise((r) => setTimeout(r, o.retryMs ?? 2000));
  }
}
