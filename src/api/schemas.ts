// JSON schemas of every request: shapes, types and sizes. Values (MAC and IP
// syntax, cidr containment, references) are the model's to judge, so that
// their errors carry the model's precise codes. The same objects feed the
// route validation and the OpenAPI description.

const NAME = { type: 'string', minLength: 1, maxLength: 128 } as const;
const TEXT = { type: 'string', minLength: 1, maxLength: 64 } as const;
const IPS = { type: 'array', maxItems: 64, items: TEXT } as const;
const SWITCH = { type: 'string', minLength: 1, maxLength: 64, description: '16 hex digits, the colon form, or a switch name' } as const;
const PORT = {
  type: ['string', 'integer'],
  minLength: 1,
  maxLength: 64,
  minimum: 1,
  maximum: 0xffffff00,
  description: 'port name as the switch reports it, or port number',
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
      description: 'seconds (up to 3600, 0 = no wait) to wait for every connected switch the change touches to confirm it',
    },
  },
  [],
);
export const emptyQuery = obj({}, []);

export const networkBody = obj(
  {
    tenant: NAME,
    kind: { type: 'string', enum: ['private', 'public'] },
    cidrs: { type: 'array', maxItems: 64, items: TEXT },
    dhcp: obj({ mac: TEXT, ip: TEXT }, ['mac', 'ip']),
    gateways: {
      type: 'array',
      maxItems: 64,
      items: obj({ mac: TEXT, ips: IPS, switch: SWITCH, port: PORT }, ['mac', 'ips', 'switch', 'port']),
    },
  },
  ['tenant', 'kind'],
);

export const relationBody = obj({ vms: { type: 'array', minItems: 2, maxItems: 2, items: NAME } }, ['vms']);

export const vmStartBody = obj(
  {
    vm: NAME,
    tenant: NAME,
    interfaces: {
      type: 'array',
      maxItems: 64,
      items: obj({ mac: TEXT, ips: IPS, network: NAME, switch: SWITCH, port: PORT }, ['mac', 'network', 'switch', 'port']),
    },
  },
  ['vm', 'tenant', 'interfaces'],
);

export const vmOnlyBody = obj({ vm: NAME }, ['vm']);

export const migrationStartBody = obj(
  {
    vm: NAME,
    interfaces: { type: 'array', maxItems: 64, items: obj({ mac: TEXT, switch: SWITCH, port: PORT }, ['mac', 'switch', 'port']) },
  },
  ['vm', 'interfaces'],
);

export const generationResponse = obj({ generation: { type: 'integer' } }, ['generation']);
export const errorResponse = obj(
  { error: obj({ code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } }, ['code', 'message']) },
  ['error'],
);
