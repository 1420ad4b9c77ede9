// The described cabling: which switches the fabric has (name, datapath id,
// role, OpenFlow version), how they are cabled, and optionally which hosts hang
// off them (used by the Mininet driver). Loaded from YAML or JSON; every
// problem is reported as a value naming the bad field.
import { dpidFromText, formatDpid, type Dpid } from '../openflow/dpid.js';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { OFP10_VERSION, OFP13_VERSION, Port, type OfVersion } from '../openflow/wire-values.js';
import type { SwitchRole } from './types.js';
import { FieldError } from '../field-error.js';

/** A port as the description names it: its number, or the name the switch reports ("s1-eth1"). */
export type DescribedPortRef = number | string;

export interface DescribedSwitch {
  name: string;
  dpid: Dpid;
  role: SwitchRole;
  version: OfVersion;
}

export interface DescribedEnd {
  /** Switch name. */
  switch: string;
  dpid: Dpid;
  port: DescribedPortRef;
}

export interface DescribedLink {
  a: DescribedEnd;
  b: DescribedEnd;
}

export interface DescribedHost {
  name: string;
  switch: string;
  port?: number;
  /** "10.0.0.1/24" */
  ip?: string;
  mac?: string;
}

export interface TopologyDescription {
  switches: DescribedSwitch[];
  links: DescribedLink[];
  hosts: DescribedHost[];
}

export type DescriptionErrorCode = 'READ_FAILED' | 'PARSE_FAILED' | 'INVALID';

export interface DescriptionError {
  code: DescriptionErrorCode;
  /** Path of the offending field, e.g. "switches[1].dpid"; "" for the whole file. */
  field: string;
  message: string;
}

export type DescriptionResult = { ok: true; description: TopologyDescription } | { ok: false; error: DescriptionError };

export async function loadDescription(path: string): Promise<DescriptionResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return invalid('READ_FAILED', '', `cannot read ${path}: ${(err as Error).message}`);
  }
  return parseDescription(text, path.endsWith('.json') ? 'json' : 'yaml');
}

/** Parses and validates a description. YAML is a superset of JSON, so 'yaml' reads both. */
export function parseDescription(text: string, format: 'yaml' | 'json' = 'yaml'): DescriptionResult {
  let raw: unknown;
  try {
    raw = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    return invalid('PARSE_FAILED', '', `not valid ${format.toUpperCase()}: ${(err as Error).message}`);
  }
  return validateDescription(raw);
}

export function validateDescription(raw: unknown): DescriptionResult {
  try {
    return { ok: true, description: readDescription(raw) };
  } catch (err) {
    if (err instanceof FieldError) return invalid('INVALID', err.field, err.message);
    throw err;
  }
}

/** Canonical datapath id (16 lower-case hex digits) from an integer, hex text or the colon form. */
export function normalizeDpid(value: unknown): Dpid | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? formatDpid(BigInt(value)) : undefined;
  if (typeof value === 'bigint') return value >= 0n && value <= 0xffffffffffffffffn ? formatDpid(value) : undefined;
  if (typeof value !== 'string') return undefined;
  // Text is read as everywhere else; a short bare number as text is ambiguous (decimal or hex).
  return dpidFromText(value);
}

/** A switch named by the API's forms: its name, 16 hex digits or the colon form. */
export function findSwitch(desc: TopologyDescription, ref: string): DescribedSwitch | undefined {
  const byName = desc.switches.find((s) => s.name === ref);
  if (byName) return byName;
  const dpid = dpidFromText(ref);
  return dpid === undefined ? undefined : desc.switches.find((s) => s.dpid === dpid);
}

function readDescription(raw: unknown): TopologyDescription {
  const root = record(raw, '');
  allowKeys(root, '', ['switches', 'links', 'hosts']);
  const rawSwitches = list(root.switches, 'switches');
  if (rawSwitches.length === 0) throw new FieldError('switches', 'at least one switch is required');
  const switches = rawSwitches.map((s, i) => readSwitch(s, `switches[${i}]`));
  const byName = new Map<string, DescribedSwitch>();
  const byDpid = new Map<Dpid, DescribedSwitch>();
  switches.forEach((s, i) => {
    if (byName.has(s.name)) throw new FieldError(`switches[${i}].name`, `switch name ${s.name} is used twice`);
    if (byDpid.has(s.dpid)) throw new FieldError(`switches[${i}].dpid`, `datapath id ${s.dpid} is used twice`);
    byName.set(s.name, s);
    byDpid.set(s.dpid, s);
  });
  const lookup = (ref: string): DescribedSwitch | undefined => byName.get(ref) ?? byDpid.get(normalizeDpid(ref) ?? '');

  const links = list(root.links ?? [], 'links').map((l, i) => readLink(l, `links[${i}]`, lookup));
  const used = new Map<string, string>();
  links.forEach((l, i) => {
    for (const [end, side] of [
      [l.a, 'a'],
      [l.b, 'b'],
    ] as const) {
      const key = `${end.dpid}/${String(end.port)}`;
      const prior = used.get(key);
      if (prior) throw new FieldError(`links[${i}].${side}`, `${end.switch}:${end.port} is already cabled in ${prior}`);
      used.set(key, `links[${i}]`);
    }
  });

  const hosts = list(root.hosts ?? [], 'hosts').map((h, i) => readHost(h, `hosts[${i}]`, lookup));
  const hostNames = new Set<string>();
  hosts.forEach((h, i) => {
    if (hostNames.has(h.name) || byName.has(h.name)) throw new FieldError(`hosts[${i}].name`, `name ${h.name} is used twice`);
    hostNames.add(h.name);
    if (h.port !== undefined) {
      const sw = lookup(h.switch)!;
      const key = `${sw.dpid}/${h.port}`;
      const prior = used.get(key);
      if (prior) throw new FieldError(`hosts[${i}].port`, `${h.switch}:${h.port} is already used by ${prior}`);
      used.set(key, `hosts[${i}]`);
    }
  });
  return { switches, links, hosts };
}

function readSwitch(raw: unknown, at: string): DescribedSwitch {
  const r = record(raw, at);
  allowKeys(r, at, ['name', 'dpid', 'role', 'openflow']);
  const name = str(r.name, `${at}.name`);
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(name)) {
    throw new FieldError(`${at}.name`, `switch name ${JSON.stringify(name)} must start with a letter and hold only letters, digits, - and _`);
  }
  const dpid = normalizeDpid(r.dpid);
  if (dpid === undefined) {
    throw new FieldError(`${at}.dpid`, 'datapath id must be an integer (a YAML number, decimal), 16 hex digits in quotes, the colon form, or 0x and hex digits');
  }
  if (r.role !== 'edge' && r.role !== 'aggregation') {
    throw new FieldError(`${at}.role`, 'role must be "edge" or "aggregation"');
  }
  const version = r.openflow === undefined ? OFP13_VERSION : readVersion(r.openflow, `${at}.openflow`);
  return { name, dpid, role: r.role, version };
}

function readVersion(v: unknown, at: string): OfVersion {
  const text = String(v).toLowerCase().replace(/^openflow/, '');
  if (text === '1' || text === '1.0' || text === '10') return OFP10_VERSION;
  if (text === '1.3' || text === '13') return OFP13_VERSION;
  throw new FieldError(at, 'OpenFlow version must be "1.0" or "1.3"');
}

function readLink(raw: unknown, at: string, lookup: (ref: string) => DescribedSwitch | undefined): DescribedLink {
  let a: unknown;
  let b: unknown;
  if (Array.isArray(raw)) {
    if (raw.length !== 2) throw new FieldError(at, 'a link is a pair of ends');
    [a, b] = raw as unknown[];
  } else {
    const r = record(raw, at);
    allowKeys(r, at, ['a', 'b']);
    a = r.a;
    b = r.b;
  }
  const side = Array.isArray(raw) ? ['[0]', '[1]'] : ['.a', '.b'];
  const endA = readEnd(a, at + side[0], lookup);
  const endB = readEnd(b, at + side[1], lookup);
  if (endA.dpid === endB.dpid && String(endA.port) === String(endB.port)) {
    throw new FieldError(at, 'a link cannot join a port to itself');
  }
  return { a: endA, b: endB };
}

/** "s1:3", "s1:s1-eth3" or { switch: s1, port: 3 }. */
function readEnd(raw: unknown, at: string, lookup: (ref: string) => DescribedSwitch | undefined): DescribedEnd {
  let swRef: string;
  let portRaw: unknown;
  if (typeof raw === 'string') {
    const i = raw.indexOf(':');
    if (i <= 0 || i === raw.length - 1) throw new FieldError(at, `link end ${JSON.stringify(raw)} must be SWITCH:PORT`);
    swRef = raw.slice(0, i);
    portRaw = raw.slice(i + 1);
  } else {
    const r = record(raw, at);
    allowKeys(r, at, ['switch', 'port']);
    swRef = str(r.switch, `${at}.switch`);
    portRaw = r.port;
  }
  const sw = lookup(swRef);
  if (!sw) throw new FieldError(at, `unknown switch ${JSON.stringify(swRef)}`);
  return { switch: sw.name, dpid: sw.dpid, port: readPort(portRaw, at) };
}

function readPort(raw: unknown, at: string): DescribedPortRef {
  const n = typeof raw === 'string' && /^[0-9]+$/.test(raw) ? Number(raw) : raw;
  if (typeof n === 'number') {
    if (!Number.isInteger(n) || n < 1 || n > Port.MAX) throw new FieldError(at, `port number ${n} is out of range`);
    return n;
  }
  if (typeof n === 'string' && n.length > 0 && n.length <= 64 && !/\s/.test(n)) return n;
  throw new FieldError(at, 'port must be a number or a port name');
}

function readHost(raw: unknown, at: string, lookup: (ref: string) => DescribedSwitch | undefined): DescribedHost {
  const r = record(raw, at);
  allowKeys(r, at, ['name', 'switch', 'port', 'ip', 'mac']);
  const name = str(r.name, `${at}.name`);
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,9}$/.test(name)) throw new FieldError(`${at}.name`, 'host name must be a short identifier');
  const swRef = str(r.switch, `${at}.switch`);
  const sw = lookup(swRef);
  if (!sw) throw new FieldError(`${at}.switch`, `unknown switch ${JSON.stringify(swRef)}`);
  const host: DescribedHost = { name, switch: sw.name };
  if (r.port !== undefined) {
    const p = readPort(r.port, `${at}.port`);
    if (typeof p !== 'number') throw new FieldError(`${at}.port`, 'a host port is a number');
    host.port = p;
  }
  if (r.ip !== undefined) {
    const ip = str(r.ip, `${at}.ip`);
    if (!/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/.test(ip)) throw new FieldError(`${at}.ip`, 'ip must be IPv4, optionally with /prefix');
    host.ip = ip;
  }
  if (r.mac !== undefined) {
    const mac = str(r.mac, `${at}.mac`).toLowerCase();
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) throw new FieldError(`${at}.mac`, 'mac must be aa:bb:cc:dd:ee:ff');
    host.mac = mac;
  }
  return host;
}

function record(raw: unknown, at: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FieldError(at, 'must be an object');
  return raw as Record<string, unknown>;
}

function list(raw: unknown, at: string): unknown[] {
  if (!Array.isArray(raw)) throw new FieldError(at, 'must be a list');
  return raw;
}

function str(raw: unknown, at: string): string {
  if (typeof raw !== 'string' || raw.length === 0) throw new FieldError(at, 'must be a non-empty string');
  return raw;
}

function allowKeys(r: Record<string, unknown>, at: string, keys: string[]): void {
  for (const k of Object.keys(r)) {
    if (!keys.includes(k)) throw new FieldError(at ? `${at}.${k}` : k, `unknown field (expected one of ${keys.join(', ')})`);
  }
}

function invalid(code: DescriptionErrorCode, field: string, message: string): { ok: false; error: DescriptionError } {
  return { ok: false, error: { code, field, message } };
}
