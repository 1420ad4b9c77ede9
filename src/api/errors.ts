// Every error code the API answers with, its HTTP status and what it means:
// one table, documented in README.md (a test keeps the two in step).
import type { FastifyReply } from 'fastify';
import { MODEL_ERROR_STATUS, type ModelErrorCode } from '../model/errors.js';

const MODEL_ERROR_DESCRIPTIONS: Record<ModelErrorCode, string> = {
  invalid_name: 'A tenant, network, VM or relation name is not 1-128 letters, digits or ._:@+-.',
  invalid_mac: 'A MAC is malformed, a group (multicast/broadcast) address, all zeros, or in 0e:53:00:00:00:00/16 (reserved for the fabric).',
  invalid_ip: 'An IP is not a host IPv4 or IPv6 address (unspecified, loopback and multicast are refused).',
  invalid_cidr: 'A cidr is not a prefix with zero host bits.',
  cidr_overlap: 'Two cidrs of a network overlap.',
  invalid_switch: 'A switch is neither 16 hex digits, the colon form, 0x and hex digits, nor a switch name from the topology settings (a bare short number is refused: decimal or hex?).',
  invalid_port: 'A port is neither a port name nor a port number 1..4294967040.',
  invalid_kind: 'A network kind is neither "private" nor "public".',
  invalid_relation: 'A relation does not name two different VMs.',
  duplicate_interface: 'Two interfaces of one request carry the same MAC.',
  migration_incomplete: 'A migration-start does not list every interface of the VM.',
  network_not_found: 'The network does not exist.',
  vm_not_found: 'The VM does not exist.',
  interface_not_found: 'The VM has no interface with that MAC.',
  forbidden: "An agent token's call outside its scope (api.agents): an endpoint other than the hooks, GET /v1/vms/{vm} and the health, or a VM or switch that is not on its switches.",
  mac_in_use: 'The MAC is already held in the network by another interface or a gateway.',
  ip_in_use: 'The IP is already held in the network by another interface or a gateway.',
  ip_outside_cidrs: "The IP is not a host address of the network's cidrs.",
  tenant_mismatch: 'A VM of one tenant on a private network of another; a vm-start under another tenant than that of the running VM, or than the one a relation binds the VM name to.',
  network_in_use: 'The network cannot be deleted while VMs are attached.',
  migration_in_progress: 'The VM is migrating: a vm-start with other interfaces waits for migration-end or migration-abort.',
  segments_exhausted: 'All 1,000,000 network segments are in use: a fabric holds at most that many networks.',
};

const API_ERRORS = {
  unknown_field: { status: 400, description: 'The body or query has a field the schema does not know; the message names it.' },
  missing_field: { status: 400, description: 'A required field is missing; the message names it.' },
  invalid_field: { status: 400, description: 'A field has the wrong type or size; the message names it.' },
  invalid_json: { status: 400, description: 'The body is not valid JSON, or is empty where a body is needed.' },
  unauthorized: { status: 401, description: 'A token is configured and the request lacks "Authorization: Bearer TOKEN" with it (the operator token or an agent token).' },
  host_not_allowed: {
    status: 403,
    description: 'The API has no token and listens on loopback: it answers only requests whose Host is localhost, 127.x.x.x or [::1] (this stops DNS rebinding from a web page).',
  },
  rate_limited: { status: 429, description: 'The client address sent more requests than api.rateLimit allows in its window; Retry-After says when to retry.' },
  route_not_found: { status: 404, description: 'No endpoint has this method and path.' },
  path_too_long: { status: 414, description: 'A path parameter is longer than any name can be.' },
  body_too_large: { status: 413, description: 'The body is larger than the limit (api.bodyLimit, 1 MiB by default); the message names it.' },
  request_too_large: { status: 431, description: 'The URL and headers together are larger than 16 KiB.' },
  request_timeout: { status: 408, description: 'The request did not arrive completely in time.' },
  bad_request: { status: 400, description: 'The request is not valid HTTP.' },
  unsupported_media_type: { status: 415, description: 'The body is not application/json.' },
  switch_not_found: { status: 404, description: 'No switch with this datapath id or name is known.' },
  switch_disconnected: { status: 503, description: 'The switch is known but not connected, so its flows cannot be read.' },
  not_available: { status: 503, description: 'This controller does not provide the reading asked for.' },
  switch_timeout: { status: 504, description: 'The switch did not answer the flow read in time.' },
  internal: { status: 500, description: 'An unexpected failure; the log has the details.' },
  store_write_failed: { status: 503, description: 'The store could not write the change durably; nothing was changed.' },
  store_unavailable: {
    status: 503,
    description: 'etcd store: the change was not confirmed in time, so it may or may not be stored. Repeat the call (writes are idempotent).',
  },
  invalid_export: { status: 400, description: 'An import is not an export file of this Spotlight: the message names the part at fault.' },
  table_budget_exceeded: {
    status: 409,
    description: "The write would push a switch past its flow-table budget (the settings' budgets, or the capacity the switch reports): the answer names the first such switch (`switch`, `name`), the entries it would need (`needed`) and its budget (`budget`, in `unit`: flows or tcam entries), and lists every such switch in `exceeded`. Nothing was stored.",
  },
  store_not_empty: { status: 409, description: 'An import goes into an empty store only (a new --data directory).' },
  not_ready: { status: 503, description: 'Health: the store or a listener is not up yet.' },
  realization_timeout: {
    status: 504,
    description: 'With ?wait=SECONDS: the switches did not confirm the generation in time. The change stays.',
  },
} as const;

export interface ErrorInfo {
  status: number;
  description: string;
}

export const ERROR_CODES: Record<string, ErrorInfo> = {
  ...Object.fromEntries(
    (Object.keys(MODEL_ERROR_STATUS) as ModelErrorCode[]).map((c) => [c, { status: MODEL_ERROR_STATUS[c], description: MODEL_ERROR_DESCRIPTIONS[c] }]),
  ),
  ...API_ERRORS,
};

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** The message always names the field at fault, when there is one. */
export function errorBody(code: string, message: string, field?: string): ErrorBody {
  const named = field !== undefined && field !== '' && !message.includes(field) ? `${field}: ${message}` : message;
  const error: ErrorBody['error'] = { code, message: named };
  if (field !== undefined) error.field = field;
  return { error };
}

/** The error each refused request answered with, for its log line. */
const answeredErrors = new WeakMap<FastifyReply, { code: string; field?: string }>();

/** Notes the error a reply carries for its log line (sendError does it; a route that sends a richer body calls it). */
export function markError(reply: FastifyReply, code: string, field?: string): void {
  answeredErrors.set(reply, field === undefined ? { code } : { code, field });
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, field?: string): FastifyReply {
  markError(reply, code, field);
  return reply.code(status).type('application/json').send(errorBody(code, message, field));
}

/** The error code (and field) a reply carried, if it was an error. */
export function answeredError(reply: FastifyReply): { code: string; field?: string } | undefined {
  return answeredErrors.get(reply);
}
