import { MemoryLevel } from 'memory-level';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiDeps } from '../../../src/api/server.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import { silentLogger } from '../../support/logs.js';

export const SW1 = '0000000000000001';

export async function makeApi(extra: Partial<ApiDeps> = {}): Promise<{ app: FastifyInstance; store: Store }> {
  const store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
  const app = buildApi({ store, logger: silentLogger(), ...extra });
  await app.ready();
  return { app, store };
}

export const network1 = { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'], dhcp: { mac: '02:00:00:00:00:02', ip: '10.1.0.2' } };

export const vm1 = {
  vm: 'vm1',
  tenant: 't1',
  interfaces: [{ mac: '52:54:00:00:00:01', ips: ['10.1.0.10'], network: 'n1', switch: SW1, port: 'vnet0' }],
};

/** Everything a client can see of the state, to compare before and after. */
export function stateOf(store: Store): string {
  const s = store.snapshot();
  return JSON.stringify({ g: s.generation, n: [...s.networks.entries()], v: [...s.vms.entries()], r: [...s.relations.entries()] });
}
