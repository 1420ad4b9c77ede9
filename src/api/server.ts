// The HTTP API (docs/contract.md): fastify with strict JSON-schema validation,
// a body limit, Bearer auth, one error shape, and a log line per request.
import { readFile } from 'node:fs/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { bearerAuth, isLoopbackHost, type AgentToken } from './auth.js';
import type { ApiContext, ApiDeps } from './context.js';
import { emptySwitchDirectory, emptyTopologyView, type ApiMetrics, type ClusterView, type FabricView, type SwitchDirectory, type TopologyView } from './deps.js';
import { answeredError, sendError } from './errors.js';
import { addLoopbackHostCheck, addRateLimit, DEFAULT_TIMEOUTS, rateLimitOf, type ConnectionTimeouts, type RateLimitSettings } from './guards.js';
import { buildOpenApi, collectRoutes, type RegisteredRoute } from './openapi.js';
import { durableRealization, type ChangeRealization } from './realization.js';
import { registerClusterRoute } from './routes/cluster.js';
import { registerDiagnoseRoutes } from './routes/diagnose.js';
import { registerEventRoutes } from './routes/events.js';
import { registerHookRoutes } from './routes/hooks.js';
import { registerNetworkRoutes } from './routes/networks.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerReadRoutes } from './routes/reads.js';
import { registerStateRoutes } from './routes/state.js';
import { registerSwitchFlowRoutes } from './routes/switch-flows.js';
import { registerUiRoutes } from './routes/ui.js';
import { clientErrorHandler, makeErrorHandler } from './validation.js';

export type { ApiDeps } from './context.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered (the OpenAPI description is built from it). */
    spotlightRoutes: RegisteredRoute[];
  }
}

export function buildApi(deps: ApiDeps): FastifyInstance {
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = createServer(deps, bodyLimit);
  // Bodies are JSON only: anything else is 415, not a string for the schema to trip on.
  app.removeContentTypeParser('text/plain');
  app.decorate('spotlightRoutes', collectRoutes(app));
  app.setErrorHandler(makeErrorHandler({ logger: deps.logger, bodyLimit }));
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'route_not_found', `no endpoint ${req.method} ${req.url.split('?')[0]}`));
  addGuards(app, deps);
  addRequestLog(app, deps);
  registerRoutes(app, deps);
  return app;
}

/** Fastify with the connection deadlines, the body limit and strict validation; HTTPS when the API has a certificate. */
function createServer(deps: ApiDeps, bodyLimit: number): FastifyInstance {
  const t = deps.timeouts ?? DEFAULT_TIMEOUTS;
  // Node checks the request and header deadlines on this interval: a fraction of the deadline, at most Node's 30 s.
  const serverTimeouts = { requestTimeout: t.requestMs, headersTimeout: t.requestMs, connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(t.requestMs / 4))) };
  const transport = deps.tls ? { https: { ...deps.tls, ...serverTimeouts, handshakeTimeout: Math.min(t.requestMs, 10_000) } } : { http: serverTimeouts };
  return Fastify({
    logger: false,
    bodyLimit,
    ...transport,
    connectionTimeout: t.idleMs,
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    clientErrorHandler: clientErrorHandler(deps.logger),
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // Names are up to 128 characters, percent-encoded up to three bytes each.
    routerOptions: { maxParamLength: 512 },
    frameworkErrors: (error, _req, reply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') void sendError(reply, 414, 'path_too_long', 'a path parameter is longer than any name can be (128 characters)', 'path');
      else void sendError(reply, 400, 'invalid_field', 'the path is not a valid URL (check its percent-encoding)', 'path');
    },
    // Unknown fields must be refused, not silently dropped, and types not coerced;
    // `verbose` hands the error mapper the refusing schema, to say what is allowed.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, allowUnionTypes: true, verbose: true } },
  });
}

/** Order matters: the Host check and the rate limit come before authentication. */
function addGuards(app: FastifyInstance, deps: ApiDeps): void {
  if (deps.loopbackHostsOnly) addLoopbackHostCheck(app);
  if (deps.rateLimit) addRateLimit(app, deps.rateLimit);
  if (deps.token) app.addHook('onRequest', bearerAuth(deps.token, deps.agents ?? []));
}

/** One log line per request, naming the VM, network or relation it concerns and the error it was refused with; its duration in the metrics. */
function addRequestLog(app: FastifyInstance, deps: ApiDeps): void {
  app.addHook('onResponse', async (req, reply) => {
    deps.logger.log(reply.statusCode >= 500 ? 'warn' : 'info', 'api request', requestLogFields(req, reply));
    // Labelled by the matched route, and only past authentication: no client can mint a series.
    const route = req.routeOptions.url;
    if (route !== undefined && reply.statusCode !== 401) deps.metrics?.observeRequest(route, reply.statusCode, reply.elapsedTime / 1000);
  });
}

function requestLogFields(req: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const params = (req.params ?? {}) as Record<string, unknown>;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const fields: Record<string, unknown> = {
    method: req.method,
    path: req.url,
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 100) / 100,
  };
  const vm = params.vm ?? (typeof body === 'object' ? body.vm : undefined);
  if (typeof vm === 'string') fields.vm = vm;
  if (typeof params.network === 'string') fields.network = params.network;
  if (typeof params.id === 'string') fields.relation = params.id;
  const refused = answeredError(reply);
  if (refused) {
    fields.error = refused.code;
    if (refused.field !== undefined) fields.field = refused.field;
  }
  if (req.caller?.kind === 'agent') fields.agent = req.caller.name;
  return fields;
}

function registerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const ctx = apiContext(deps);
  registerNetworkRoutes(app, ctx);
  registerHookRoutes(app, ctx);
  registerReadRoutes(app, ctx);
  registerSwitchFlowRoutes(app, ctx);
  registerDiagnoseRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerStateRoutes(app, ctx);
  registerUiRoutes(app, deps.token);
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  if (deps.cluster) registerClusterRoute(app, deps.cluster);
  app.get('/v1/openapi.json', { schema: { summary: 'This description' } }, () => buildOpenApi(app.spotlightRoutes));
}

/** What the routes read and write through: the parts the controller gave, stand-ins for those it did not. */
function apiContext(deps: ApiDeps): ApiContext {
  const ctx: ApiContext = {
    store: deps.store,
    realization: deps.realization ?? durableRealization,
    switches: deps.switches ?? emptySwitchDirectory,
    topology: deps.topology ?? emptyTopologyView,
    ready: deps.ready ?? (() => true),
    logger: deps.logger,
  };
  if (deps.lookupSwitch) ctx.lookupSwitch = deps.lookupSwitch;
  if (deps.fabric) ctx.fabric = deps.fabric;
  if (deps.compiled) ctx.compiled = deps.compiled;
  if (deps.events) ctx.events = deps.events;
  if (deps.admission) ctx.admission = deps.admission;
  return ctx;
}

export interface StartApiOptions {
  host: string;
  port: number;
  /** Bearer token; falls back to SPOTLIGHT_API_TOKEN. An empty string means none. */
  token?: string;
  /** Compute agents' tokens, each limited to its switches; they need an operator token. */
  agents?: AgentToken[];
  store: Store;
  realization?: ChangeRealization;
  switches?: SwitchDirectory;
  topology?: TopologyView;
  lookupSwitch?: ApiDeps['lookupSwitch'];
  ready?: () => boolean;
  bodyLimit?: number;
  /** Requests per client address (DEFAULT_RATE_LIMIT for what is not given); false: no limit. */
  rateLimit?: Partial<RateLimitSettings> | false;
  /** Connection timeouts (DEFAULT_TIMEOUTS for what is not given). */
  timeouts?: Partial<ConnectionTimeouts>;
  /** HTTPS with this certificate and key (PEM files); plain HTTP without. */
  tls?: { cert: string; key: string };
  metrics?: ApiMetrics;
  fabric?: FabricView;
  compiled?: ApiDeps['compiled'];
  events?: ApiDeps['events'];
  cluster?: ClusterView;
  admission?: ApiDeps['admission'];
  logger: Logger;
}

export class ApiConfigError extends Error {
  readonly code = 'api_unsafe_bind';
}

/** Listens; refuses a non-loopback address without a token. */
export async function startApi(opts: StartApiOptions): Promise<{ close(): Promise<void>; address: string }> {
  const token = opts.token ?? process.env.SPOTLIGHT_API_TOKEN ?? '';
  if (!token && !isLoopbackHost(opts.host)) {
    throw new ApiConfigError(
      `refusing to serve the API on ${opts.host}, which is not a loopback address, without a token: set SPOTLIGHT_API_TOKEN or a token in the config file, or bind 127.0.0.1`,
    );
  }
  if (!token && (opts.agents?.length ?? 0) > 0) {
    throw new ApiConfigError('agent tokens need an operator token (api.token or SPOTLIGHT_API_TOKEN): without one every caller is the operator');
  }
  const deps: ApiDeps = { store: opts.store, logger: opts.logger };
  if (token) deps.token = token;
  if (opts.agents) deps.agents = opts.agents;
  if (opts.realization) deps.realization = opts.realization;
  if (opts.switches) deps.switches = opts.switches;
  if (opts.topology) deps.topology = opts.topology;
  if (opts.lookupSwitch) deps.lookupSwitch = opts.lookupSwitch;
  if (opts.ready) deps.ready = opts.ready;
  if (opts.bodyLimit) deps.bodyLimit = opts.bodyLimit;
  const limit = rateLimitOf(opts.rateLimit);
  if (limit) deps.rateLimit = limit;
  if (opts.timeouts) deps.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  if (opts.tls) deps.tls = { cert: await readFile(opts.tls.cert), key: await readFile(opts.tls.key) };
  // With no token, anyone on this machine may call the API: a browser page must not reach it by a rebound name.
  if (!token && isLoopbackHost(opts.host)) deps.loopbackHostsOnly = true;
  if (opts.metrics) deps.metrics = opts.metrics;
  if (opts.fabric) deps.fabric = opts.fabric;
  if (opts.compiled) deps.compiled = opts.compiled;
  if (opts.events) deps.events = opts.events;
  if (opts.cluster) deps.cluster = opts.cluster;
  if (opts.admission) deps.admission = opts.admission;
  const app = buildApi(deps);
  const host = opts.host.replace(/^\[(.*)\]$/, '$1');
  const address = await app.listen({ host, port: opts.port });
  opts.logger.info('api listening', {
    address,
    auth: token ? 'bearer' : 'none',
    agents: opts.agents?.map((a) => a.name) ?? [],
    rateLimit: deps.rateLimit ?? 'off',
  });
  return { address, close: () => app.close() };
}
