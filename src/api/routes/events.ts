// GET /v1/events: the event stream as server-sent events. Each event is
//   id: SEQ / event: TYPE / data: {"seq", "time", "type", "data"}
// A client resumes with ?since=SEQ or the Last-Event-ID header and first gets
// what it missed; when that is gone (or SEQ is from an earlier run) a `gap`
// event says to re-read the state. A comment line every 15 s keeps proxies
// from closing an idle stream; a client that does not read is dropped once
// 1 MiB waits for it (it resumes from its last id).
import type { FastifyInstance } from 'fastify';
import type { SpotlightEvent } from '../../events/bus.js';
import type { ApiContext } from '../context.js';
import { sendError } from '../errors.js';

const HEARTBEAT_MS = 15_000;
const MAX_BACKLOG_BYTES = 1024 * 1024;

const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { since: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'the last sequence number seen: the stream starts after it' } },
} as const;

function frame(e: SpotlightEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const open = new Set<() => void>();
  // Streams never end on their own: close them before the server waits for its connections.
  app.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    done();
  });

  app.get<{ Querystring: { since?: string } }>(
    '/v1/events',
    { schema: { summary: 'Server-sent events: model changes, switches, links, realization, spoof-drop surges, migrations', querystring: eventsQuery } },
    (req, reply) => {
      const bus = ctx.events;
      if (!bus) return sendError(reply, 503, 'not_available', 'this controller has no event stream');
      const header = req.headers['last-event-id'];
      const sinceText = req.query.since ?? (typeof header === 'string' && /^[0-9]{1,15}$/.test(header) ? header : undefined);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        unsubscribe();
        clearInterval(beat);
        open.delete(end);
        res.end();
      };
      const send = (text: string): void => {
        if (ended) return;
        if (res.writableLength > MAX_BACKLOG_BYTES) {
          ctx.logger.warn('event stream client not reading; dropped', { remote: req.ip, backlogBytes: res.writableLength });
          end();
          return;
        }
        res.write(text);
      };
      res.write(`retry: 2000\n: spotlight events, latest ${bus.latest}\n\n`);
      if (sinceText !== undefined) {
        const r = bus.since(Number(sinceText));
        if (r.gap) send(`event: gap\ndata: ${JSON.stringify({ since: Number(sinceText), latest: bus.latest, message: 'events after since are no longer held; re-read the state' })}\n\n`);
        for (const e of r.events) send(frame(e));
      }
      const unsubscribe = bus.subscribe((e) => send(frame(e)));
      const beat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
      beat.unref();
      open.add(end);
      req.raw.on('close', end);
      ctx.logger.info('event stream opened', { remote: req.ip, since: sinceText ?? null });
    },
  );
}
