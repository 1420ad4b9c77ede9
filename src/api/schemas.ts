// JSON schemas of every request: shapes, types and sizes. Values (MAC and IP
// syntax, cidr containment, references) are the model's to judge, so that
// their errors carry the model's precise codes. The same objects feed the
// route validation and the OpenAPI description.

import { MAX_SEGMENT, MIN_SEGMENT } from '../model/segments.js';

// A `description` reads after "must be": the error messages and the API reference use it.
const NAME = { type: 'string', minLength: 1, maxLength: 128, description: 'a name of 1 to 128 letters, digits or ._:@+-' } as const;
const MAC = { type: 'string', minLength: 1, maxLength: 64, description: 'a unicast MAC such as "52:54:00:12:34:56"' } as const;
const IP = { type: 'string', minLength: 1, maxLength: 64, description: 'a host IPv4 or IPv6 address' } as const;
const CIDR = { type: 'string', minLength: 1, maxLength: 64, description: 'a network prefix such as "10.1.0.0/24" or "2001:db8::/64"' } as const;
const IPS = { type: 'array', maxItems: 64, items: IP, description: 'a list of at most 64 host IPv4 or IPv6 addresses' } as const;
const SWITCH = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  description: 'a datapath id of 16 hex digits ("0000000000000001"), its colon form, 0x and hex digits ("0x1"), or a switch name from the topology settings',
} as const;
const PORT = {
  type: ['string', 'integer'],
  minLength: 1,
  maxLength: 64,
  minimum: 1,
  maximum: 0xffffff00,
  description: 'a port name as the switch reports it ("vnet3", text) or a port number from 1 to 4294967040',
} as const;

function obj(properties: Record<string, unknown>, required: string[]): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, properties, required };
}

export const networkParams = obj({ network: NAME }, ['network']);
export const vmParams = obj({ vm: NAME }, ['vm']);
export const relationParams = obj({ id: NAME }, ['id']);

/** `?wait=SECONDS`: decimal seconds, at most 3600. */
export const writeQuery = obj(
  {
    wait: {
      type: 'string',
      pattern: '^[0-9]{1,4}(\\.[0-9]{1,3})?$',
      description: 'a number of seconds from 0 to 3600 with up to 3 decimals (0: no wait), to wait for the connected switches the change touches',
    },
  },
  [],
);
export const emptyQuery = obj({}, []);

export const networkBody = obj(
  {
    tenant: NAME,
    kind: { type: 'string', enum: ['private', 'public'] },
    cidrs: { type: 'array', maxItems: 64, items: CIDR, description: 'a list of at most 64 network prefixes such as "10.1.0.0/24"' },
    dhcp: obj({ mac: MAC, ip: IP }, ['mac', 'ip']),
    gateways: {
      type: 'array',
      maxItems: 64,
      items: obj({ mac: MAC, ips: IPS, switch: SWITCH, port: PORT }, ['mac', 'ips', 'switch', 'port']),
    },
  },
  ['tenant', 'kind'],
);

export const relationBody = obj({ vms: { type: 'array', minItems: 2, maxItems: 2, items: NAME, description: 'a list of exactly two VM names' } }, ['vms']);

export const vmStartBody = obj(
  {
    vm: NAME,
    tenant: NAME,
    interfaces: {
      type: 'array',
      maxItems: 64,
      items: obj({ mac: MAC, ips: IPS, network: NAME, switch: SWITCH, port: PORT }, ['mac', 'network', 'switch', 'port']),
    },
  },
  ['vm', 'tenant', 'interfaces'],
);

export const vmOnlyBody = obj({ vm: NAME }, ['vm']);

export const migrationStartBody = obj(
  {
    vm: NAME,
    interfaces: { type: 'array', maxItems: 64, items: obj({ mac: MAC, switch: SWITCH, port: PORT }, ['mac', 'switch', 'port']) },
  },
  ['vm', 'interfaces'],
);

export const errorResponse = obj(
  { error: obj({ code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } }, ['code', 'message']) },
  ['error'],
);

/** The export file (src/store/interchange.ts): each record in the shape the reads show it. */
const exportedNetwork = obj(
  { name: NAME, segment: { type: 'integer', minimum: MIN_SEGMENT, maximum: MAX_SEGMENT, description: `the network segment, a whole number from ${MIN_SEGMENT} to ${MAX_SEGMENT}` }, ...(networkBody.properties as Record<string, unknown>) },
  ['name', 'segment', 'tenant', 'kind', 'cidrs', 'gateways'],
);
const destinations = { type: 'array', maxItems: 64, items: obj({ mac: MAC, switch: SWITCH, port: PORT }, ['mac', 'switch', 'port']) } as const;
const exportedVm = obj(
  {
    name: NAME,
    tenant: NAME,
    interfaces: (vmStartBody.properties as Record<string, unknown>).interfaces,
    migration: obj({ destinations, activated: { type: 'boolean' } }, ['destinations', 'activated']),
    heldMigration: obj({ destinations, askedBy: { type: 'string', enum: ['source', 'destination'] } }, ['destinations', 'askedBy']),
  },
  ['name', 'tenant', 'interfaces'],
);
export const importBody = obj(
  {
    format: { type: 'string', enum: ['spotlight-model'] },
    version: { type: 'integer', enum: [1] },
    generation: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'a whole number, 0 or more' },
    networks: { type: 'array', items: exportedNetwork },
    vms: { type: 'array', items: exportedVm },
    relations: {
      type: 'array',
      items: obj(
        {
          id: NAME,
          vms: (relationBody.properties as Record<string, unknown>).vms,
          tenants: { type: 'array', minItems: 2, maxItems: 2, items: { anyOf: [NAME, { type: 'null' }] }, description: 'the tenants the relation binds (its VMs may then be stopped)' },
        },
        ['id', 'vms'],
      ),
    },
  },
  ['format', 'version', 'generation', 'networks', 'vms', 'relations'],
);
