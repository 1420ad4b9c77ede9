// Bearer-token authentication, compared in constant time: the operator token,
// or an agent token whose caller is held to its scope (scopes.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';
import { agentMayCall, OPERATOR, type Caller } from './scopes.js';

/** A compute agent's token and the switches (canonical dpids) it may bind. */
export interface AgentToken {
  name: string;
  token: string;
  switches: readonly string[];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The web view's cookie: the token, set by POST /ui/login, good for reads only. */
export const UI_COOKIE = 'spotlight_token';

/** Hashing both sides gives equal lengths, so the comparison time says nothing of the token. */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

function cookieToken(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === UI_COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Liveness for probes: GET /v1/live needs no token (it shows no data). */
const isLiveness = (req: FastifyRequest): boolean => req.method === 'GET' && req.url.split('?')[0] === '/v1/live';

/** The web view's login page, its script and style, and the form: open to all, they are how a browser gets the cookie. */
const LOGIN_FILES = new Set(['/ui/login.html', '/ui/login.js', '/ui/style.css']);
const isLogin = (req: FastifyRequest): boolean =>
  (req.method === 'GET' && LOGIN_FILES.has(req.url.split('?')[0]!)) || (req.method === 'POST' && req.url === '/ui/login');

/**
 * An onRequest hook refusing every call without `Authorization: Bearer <token>`.
 * Reads (GET) also take the web view's cookie (the operator token); a page of
 * the web view without it goes to the login page. An agent token may call
 * only the routes of its scope (403 forbidden otherwise).
 */
export function bearerAuth(token: string, agents: readonly AgentToken[] = []) {
  const callers: { digest: Buffer; caller: Caller }[] = [
    { digest: digest(token), caller: OPERATOR },
    ...agents.map((a) => ({ digest: digest(a.token), caller: { kind: 'agent' as const, name: a.name, switches: new Set(a.switches) } })),
  ];
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (isLogin(req)) return;
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header.trim()) : null;
    const bearer = m?.[1];
    const given = bearer ?? (req.method === 'GET' ? cookieToken(req) : undefined);
    if (given !== undefined) {
      const g = digest(given);
      // Every token is compared, so the time taken says nothing of which one matched.
      let caller: Caller | undefined;
      for (const c of callers) if (timingSafeEqual(g, c.digest) && caller === undefined) caller = c.caller;
      // The cookie carries the operator token only.
      if (caller !== undefined && (bearer !== undefined || caller.kind === 'operator')) {
        req.caller = caller;
        if (caller.kind === 'agent' && !agentMayCall(req.method, req.routeOptions.url)) {
          await sendError(reply, 403, 'forbidden', `agent ${caller.name} may call the hooks, GET /v1/vms/{vm} and the health only`);
        }
        return;
      }
    }
    if (isLiveness(req)) return;
    if (req.method === 'GET' && (req.url === '/ui' || req.url.startsWith('/ui/'))) {
      await reply.redirect('/ui/login.html');
      return;
    }
    reply.header('www-authenticate', 'Bearer');
    await sendError(reply, 401, 'unauthorized', 'a valid "Authorization: Bearer TOKEN" header is required');
  };
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}
