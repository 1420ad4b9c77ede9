// What stands between a client and the routes: the Host check of an open
// loopback API, the per-client request rate limit, and the connection
// timeouts. Each answers in the API's one error shape.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

/** Requests per client address in a window; `false` turns the limit off. */
export interface RateLimitSettings {
  max: number;
  timeWindowMs: number;
}

/** 6,000 requests a minute from one address: far above what a compute agent or the web view sends. */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { max: 6000, timeWindowMs: 60_000 };

/** The limit a setting asks for: the default, a partial setting over it, or none for `false`. */
export function rateLimitOf(setting: Partial<RateLimitSettings> | false | undefined): RateLimitSettings | undefined {
  return setting === false ? undefined : { ...DEFAULT_RATE_LIMIT, ...setting };
}

export interface ConnectionTimeouts {
  /** A connection with nothing sent or received for this long is closed (fastify connectionTimeout). */
  idleMs: number;
  /** The whole request, headers and body, must arrive within this (Node's requestTimeout). */
  requestMs: number;
  /** An idle kept-alive connection between requests is closed after this. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: ConnectionTimeouts = { idleMs: 120_000, requestMs: 60_000, keepAliveMs: 5_000 };

/** Probes poll; they are never limited. */
const isProbe = (req: FastifyRequest): boolean => {
  const path = req.url.split('?')[0];
  return req.method === 'GET' && (path === '/v1/live' || path === '/v1/health');
};

/** A client on the controller's own machine (operators' tools, a local agent): not limited, as loopback switches are not (openflow.maxConnectionsPerAddress). */
const isLoopbackClient = (req: FastifyRequest): boolean => {
  const ip = req.ip.startsWith('::ffff:') ? req.ip.slice(7) : req.ip;
  return ip === '::1' || ip.startsWith('127.');
};

class RateLimited extends Error {
  readonly statusCode = 429;
}

/**
 * Counts every request per client address not on loopback before anything
 * else runs (so unauthenticated and unknown-route floods count too) and answers 429
 * `rate_limited` past the limit, with Retry-After.
 */
export function addRateLimit(app: FastifyInstance, limit: RateLimitSettings): void {
  const window = `${limit.timeWindowMs / 1000} s`;
  void app.register(rateLimit, {
    global: false,
    max: limit.max,
    timeWindow: limit.timeWindowMs,
    allowList: (req) => isProbe(req) || isLoopbackClient(req),
    errorResponseBuilder: (req, ctx) =>
      new RateLimited(`more than ${ctx.max} requests in ${window} from ${req.ip} (api.rateLimit); retry in ${ctx.after}`),
  });
  let limiter: ReturnType<FastifyInstance['rateLimit']> | undefined;
  // The plugin's limiter exists once plugins are loaded; the hook is added now, so it runs first.
  app.addHook('onReady', (done) => {
    limiter = app.rateLimit();
    done();
  });
  app.addHook('onRequest', async (req, reply) => {
    if (!limiter) throw new Error('the rate limiter is not loaded');
    await limiter.call(app, req, reply);
  });
}

/** The 429 for the error handler: the limiter throws, the handler answers. */
export function rateLimitAnswer(error: Error & { statusCode?: number }, reply: FastifyReply): FastifyReply | undefined {
  if (!(error instanceof RateLimited)) return undefined;
  return sendError(reply, 429, 'rate_limited', error.message);
}

/** localhost, 127.x.x.x or [::1], each with or without a port. */
const LOOPBACK_HOST_HEADER = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/**
 * An API open to anyone on this machine (loopback, no token) answers only
 * requests addressed to a loopback name. A web page whose own name an
 * attacker re-points at 127.0.0.1 (DNS rebinding) sends its own name in
 * Host, and is refused 403 `host_not_allowed`. A request without Host
 * (HTTP/1.0) comes from no browser and passes.
 */
export function addLoopbackHostCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    const host = req.headers.host;
    if (host === undefined || LOOPBACK_HOST_HEADER.test(host)) return;
    await sendError(reply, 403, 'host_not_allowed', `this API has no token and answers only requests to localhost, 127.x.x.x or [::1], not to "${host.slice(0, 100)}"`);
  });
}
