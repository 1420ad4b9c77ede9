// What each endpoint answers with, for the OpenAPI description: the shape of
// the 200 body and an example. Documentation only: fastify does not serialize
// through these (a response schema there would silently drop any field it
// does not list).
import { GROUP_TYPE_NAMES } from './deps.js';

type Schema = Record<string, unknown>;

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const nullableInt = { type: 'integer', nullable: true } as const;
const list = (items: Schema): Schema => ({ type: 'array', items });
const obj = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });

export interface Answer {
  schema: Schema;
  example: unknown;
  /** Default application/json. */
  contentType?: string;
}

const DPID = '0000000000000001';
/** One group type of a switch (GET /v1/switches). */
const groupType = obj({ supported: { type: 'boolean', nullable: true }, maxGroups: nullableInt, inUse: int });
/** Open vSwitch's answer (every type, OFPG_MAX of each) with two SELECT groups in use. */
const groupsExample = {
  reported: true,
  types: {
    all: { supported: true, maxGroups: 4294967040, inUse: 0 },
    select: { supported: true, maxGroups: 4294967040, inUse: 2 },
    indirect: { supported: true, maxGroups: 4294967040, inUse: 0 },
    fastFailover: { supported: true, maxGroups: 4294967040, inUse: 0 },
  },
};
const port = { type: ['string', 'integer'], description: 'port name or number' };

const network = obj(
  {
    name: str,
    tenant: str,
    kind: { type: 'string', enum: ['private', 'public'] },
    cidrs: list(str),
    dhcp: obj({ mac: str, ip: str }),
    gateways: list(obj({ mac: str, ips: list(str), switch: str, port })),
    segment: { type: 'integer', description: 'the VLAN id naming the network on fabric links' },
    vms: list(str),
  },
  ['name', 'tenant', 'kind', 'cidrs', 'gateways', 'segment', 'vms'],
);
const networkExample = { name: 'n1', tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'], gateways: [], segment: 1, vms: ['vm1'] };

const vm = obj(
  {
    name: str,
    tenant: str,
    interfaces: list(obj({ mac: str, ips: list(str), network: str, switch: str, port })),
    migration: obj({ destinations: list(obj({ mac: str, switch: str, port })), activated: bool }),
    heldMigration: obj({ destinations: list(obj({ mac: str, switch: str, port })), askedBy: { type: 'string', enum: ['source', 'destination'] } }),
  },
  ['name', 'tenant', 'interfaces'],
);
const vmExample = { name: 'vm1', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:01', ips: ['10.1.0.10'], network: 'n1', switch: DPID, port: 'vnet0' }] };

const traceStep = obj({ switch: str, inPort: int, table: int, stage: { type: 'string', nullable: true }, priority: nullableInt, match: { type: 'string', nullable: true }, actions: { type: 'string', nullable: true }, outputs: list(int) });
const traceReport = {
  steps: list(traceStep),
  delivered: list(obj({ switch: str, port: int })),
  controller: list(obj({ switch: str, inPort: int })),
  verdict: { type: 'string', enum: ['delivered', 'controller', 'dropped', 'looped'] },
  droppedAt: obj({ switch: str, table: int, stage: { type: 'string', nullable: true } }),
};
const traceExample = {
  steps: [{ switch: DPID, inPort: 3, table: 0, stage: 'port-security', priority: 0, match: '', actions: 'drop', outputs: [] }],
  delivered: [],
  controller: [],
  verdict: 'dropped',
  droppedAt: { switch: DPID, table: 0, stage: 'port-security' },
};

export const WRITE_ANSWER: Answer = {
  schema: obj(
    {
      generation: { type: 'integer', description: 'the model generation the change is stored in' },
      pending: { type: 'array', items: str, description: 'with ?wait: touched switches that are not connected (not waited for)' },
      warnings: {
        type: 'array',
        items: obj({ code: { type: 'string', enum: ['no_interfaces', 'port_is_name', 'port_shared', 'dhcp_server_absent'] }, field: str, message: str }),
        description: 'input accepted but probably not meant (src/api/README.md, "Questionable input")',
      },
    },
    ['generation'],
  ),
  example: { generation: 7, pending: [] },
};

/** The 504 of a write with ?wait whose switches did not all confirm in time. */
export const REALIZATION_TIMEOUT_ANSWER: Answer = {
  schema: obj(
    {
      error: obj({ code: str, message: str }),
      generation: int,
      lagging: list(obj({ switch: str, realizedGeneration: nullableInt })),
      pending: list(str),
    },
  ),
  example: {
    error: { code: 'realization_timeout', message: `generation 7 is stored but not confirmed within 1 s by ${DPID} (at generation 6)` },
    generation: 7,
    lagging: [{ switch: DPID, realizedGeneration: 6 }],
    pending: [],
  },
};

/** 200 answers of the reads, by "METHOD /fastify/url". */
export const READ_ANSWERS: Record<string, Answer> = {
  'GET /v1/networks': { schema: obj({ generation: int, networks: list(network) }), example: { generation: 7, networks: [networkExample] } },
  'GET /v1/networks/:network': { schema: network, example: networkExample },
  'GET /v1/relations': {
    schema: obj({
      generation: int,
      relations: list(
        obj(
          {
            id: str,
            vms: list(str),
            tenants: { type: 'array', items: { type: 'string', nullable: true }, description: 'the tenant of each VM when the relation was made; a VM of another tenant cannot start under that name' },
            state: { type: 'string', enum: ['active', 'dormant'], description: 'active while both VMs run; dormant while one is stopped' },
            stopped: { ...list(str), description: 'while dormant: the VMs that are stopped' },
          },
          ['id', 'vms', 'tenants', 'state'],
        ),
      ),
    }),
    example: {
      generation: 7,
      relations: [
        { id: 'r1', vms: ['vm1', 'vm2'], tenants: ['t1', 't2'], state: 'active' },
        { id: 'r2', vms: ['vm1', 'vm3'], tenants: ['t1', 't3'], state: 'dormant', stopped: ['vm3'] },
      ],
    },
  },
  'GET /v1/vms': { schema: obj({ generation: int, vms: list(vm) }), example: { generation: 7, vms: [vmExample] } },
  'GET /v1/vms/:vm': { schema: vm, example: vmExample },
  'GET /v1/switches': {
    schema: obj({
      switches: list(
        obj({
          dpid: str,
          version: { type: 'string', nullable: true, enum: ['1.0', '1.3', null] },
          connected: bool,
          ports: list(obj({ number: int, name: str, up: bool })),
          flowCount: int,
          realizedGeneration: nullableInt,
          name: str,
          role: { type: 'string', enum: ['edge', 'aggregation'] },
          desiredFlows: int,
          packetIns: int,
          table: obj({ used: int, budget: nullableInt, configured: nullableInt, capacity: nullableInt, unit: { type: 'string', enum: ['flows', 'tcam entries'] } }),
          groups: {
            ...obj({ reported: bool, types: obj(Object.fromEntries(GROUP_TYPE_NAMES.map((t) => [t, groupType]))) }),
            nullable: true,
            description:
              'OpenFlow 1.3 groups, null on OpenFlow 1.0 (no groups) or while the version is unknown. reported: the switch answered OFPMP_GROUP_FEATURES on its current connection; ' +
              'per type, supported (the type bit) and maxGroups (its max_groups, 0 for a type it lacks), both null when it reported none, and inUse: the groups of that type Spotlight has the switch hold',
          },
        }, ['dpid', 'version', 'connected', 'ports', 'flowCount', 'realizedGeneration']),
      ),
    }),
    example: {
      switches: [
        { dpid: DPID, version: '1.3', connected: true, ports: [{ number: 1, name: 's1-eth1', up: true }], flowCount: 42, realizedGeneration: 7, name: 'e1', role: 'edge', desiredFlows: 42, packetIns: 130, table: { used: 42, budget: 2000, configured: 2000, capacity: 6000000, unit: 'flows' }, groups: groupsExample },
      ],
    },
  },
  'GET /v1/switches/:switch/flows': {
    schema: obj({
      switch: str,
      version: str,
      flows: list(obj({ table: int, priority: int, cookie: str, packets: int, bytes: int, durationSec: int, match: str, actions: str })),
    }),
    example: {
      switch: DPID,
      version: '1.3',
      flows: [{ table: 0, priority: 0, cookie: '0x5300000000000001', packets: 12, bytes: 720, durationSec: 30, match: '', actions: 'drop' }],
    },
  },
  'GET /v1/topology': {
    schema: obj({ links: list(obj({ a: obj({ switch: str, port }), b: obj({ switch: str, port }) })) }),
    example: { links: [{ a: { switch: DPID, port: 's1-eth3' }, b: { switch: '0000000000000002', port: 's2-eth3' } }] },
  },
  'GET /v1/health': { schema: obj({ status: { type: 'string', enum: ['ok'] }, generation: int }), example: { status: 'ok', generation: 7 } },
  'GET /v1/live': { schema: obj({ status: { type: 'string', enum: ['ok'] } }), example: { status: 'ok' } },
  'GET /v1/explain': {
    schema: obj({
      generation: int,
      from: str,
      to: str,
      allowed: bool,
      rule: { type: 'string', enum: ['same-private-network', 'public-same-tenant', 'relation', 'gateway', 'denied'] },
      reason: str,
      networks: list(obj({ network: str, kind: str, allowed: bool, rule: str, reason: str })),
      paths: list(obj({ direction: { type: 'string', enum: ['forward', 'reverse'] }, network: str, from: obj({ switch: str, port: int, mac: str }), to: obj({ mac: str }), reaches: bool, trace: obj(traceReport, ['steps', 'delivered', 'controller', 'verdict']) })),
      flowsAgree: bool,
      notes: list(str),
    }),
    example: {
      generation: 7,
      from: 'vm1',
      to: 'vm2',
      allowed: true,
      rule: 'same-private-network',
      reason: 'vm1 and vm2 are both on private network n1',
      networks: [{ network: 'n1', kind: 'private', allowed: true, rule: 'same-private-network', reason: 'both on n1' }],
      paths: [],
      flowsAgree: true,
      notes: [],
    },
  },
  'GET /v1/trace': {
    schema: obj({ generation: int, in: obj({ switch: str, port: int }), ...traceReport }, ['generation', 'in', 'steps', 'delivered', 'controller', 'verdict']),
    example: { generation: 7, in: { switch: DPID, port: 3 }, ...traceExample },
  },
  'GET /metrics': {
    schema: { type: 'string', description: 'Prometheus text exposition format' },
    example: '# TYPE spotlight_switches_connected gauge\nspotlight_switches_connected 6\n',
    contentType: 'text/plain',
  },
  'GET /v1/events': {
    schema: {
      type: 'string',
      description:
        'text/event-stream: each event as "id: SEQ", "event: TYPE" (model, switch-connected, switch-disconnected, link-up, link-down, realized, spoof-drops, migration) and "data: {seq, time, type, data}"; a "gap" event when events after ?since are no longer held',
    },
    example: 'id: 42\nevent: switch-connected\ndata: {"seq":42,"time":"2026-11-01T10:00:00.000Z","type":"switch-connected","data":{"switch":"0000000000000001","version":"1.3"}}\n\n',
    contentType: 'text/event-stream',
  },
  'GET /v1/export': {
    schema: obj({
      format: { type: 'string', enum: ['spotlight-model'] },
      version: { type: 'integer', enum: [1] },
      generation: int,
      networks: list(network),
      vms: list(vm),
      relations: list(obj({ id: str, vms: list(str), tenants: { type: 'array', items: { type: 'string', nullable: true } } })),
    }),
    example: { format: 'spotlight-model', version: 1, generation: 7, networks: [{ ...networkExample, vms: undefined }], vms: [vmExample], relations: [] },
  },
  'POST /v1/import': {
    schema: obj({ generation: int, networks: int, vms: int, relations: int }),
    example: { generation: 7, networks: 1, vms: 1, relations: 0 },
  },
  'GET /v1/cluster': {
    schema: obj({
      store: { type: 'string', enum: ['leveldb', 'etcd'] },
      instance: { type: 'string', description: 'the instance answering' },
      leader: { ...obj({ instance: str, generationId: { type: 'string', nullable: true } }), nullable: true },
      instances: list(
        obj(
          {
            id: str,
            api: { type: 'string', nullable: true },
            openflow: { type: 'string', nullable: true },
            alive: { type: 'boolean', description: 'its lease in etcd is alive (a gone instance is listed for 10 minutes)' },
            leader: bool,
            self: bool,
            leftAt: str,
          },
          ['id', 'api', 'openflow', 'alive', 'leader', 'self'],
        ),
      ),
      switches: list(
        obj({
          dpid: str,
          master: { type: 'string', nullable: true, description: 'the instance the switch confirmed as master under the newest leadership' },
          roles: list(obj({ instance: str, role: { type: 'string', enum: ['master', 'slave', 'equal'] }, generationId: { type: 'string', nullable: true } })),
        }),
      ),
      etcd: {
        ...obj(
          {
            reachable: bool,
            leader: { type: 'string', nullable: true },
            members: list(
              obj(
                { id: str, name: str, clientUrls: list(str), reachable: bool, leader: bool, version: { type: 'string', nullable: true }, error: str },
                ['id', 'name', 'clientUrls', 'reachable', 'leader', 'version'],
              ),
            ),
            error: str,
          },
          ['reachable', 'leader', 'members'],
        ),
        nullable: true,
      },
    }),
    example: {
      store: 'etcd',
      instance: '0b6a3c52-8f4e-4d7a-9c1e-2f5d8a7b6c41',
      leader: { instance: '0b6a3c52-8f4e-4d7a-9c1e-2f5d8a7b6c41', generationId: '42' },
      instances: [
        { id: '0b6a3c52-8f4e-4d7a-9c1e-2f5d8a7b6c41', api: 'http://10.0.0.1:8080', openflow: '10.0.0.1:6653', alive: true, leader: true, self: true },
        { id: '7d2e9f10-3b6c-4e8a-a5d4-1c9b0e8f2a73', api: 'http://10.0.0.2:8080', openflow: '10.0.0.2:6653', alive: true, leader: false, self: false },
      ],
      switches: [
        { dpid: DPID, master: '0b6a3c52-8f4e-4d7a-9c1e-2f5d8a7b6c41', roles: [{ instance: '0b6a3c52-8f4e-4d7a-9c1e-2f5d8a7b6c41', role: 'master', generationId: '42' }, { instance: '7d2e9f10-3b6c-4e8a-a5d4-1c9b0e8f2a73', role: 'slave', generationId: '42' }] },
      ],
      etcd: {
        reachable: true,
        leader: 'e1',
        members: [{ id: '8e9e05c52164694d', name: 'e1', clientUrls: ['http://10.0.0.1:2379'], reachable: true, leader: true, version: '3.4.23' }],
      },
    },
  },
  'GET /v1/openapi.json': { schema: { type: 'object', description: 'this OpenAPI 3 document' }, example: { openapi: '3.0.3' } },
};
