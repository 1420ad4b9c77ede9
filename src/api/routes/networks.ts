// Networks and relations: written by the operator, read by anyone.
import type { FastifyInstance } from 'fastify';
import { deleteNetwork, deleteRelation, putNetwork, putRelation, relationState, type NetworkInput, type RelationInput } from '../../model/index.js';
import type { ApiContext } from '../context.js';
import { sendError } from '../errors.js';
import { emptyQuery, networkBody, networkParams, relationBody, relationParams, writeQuery } from '../schemas.js';
import { runWrite } from '../write.js';
import { byName, networkView } from './views.js';

export function registerNetworkRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.put<{ Params: { network: string }; Body: NetworkInput }>(
    '/v1/networks/:network',
    {
      schema: {
        summary: 'Create or replace a network',
        description: 'A new network gets a segment of its own: the lowest number from 1 to 1,000,000 that no other network holds, kept by later PUTs and freed by DELETE. A fabric holds at most 1,000,000 networks, on OpenFlow 1.0 and 1.3 switches alike; the next answers 409 segments_exhausted and nothing is stored.',
        params: networkParams,
        querystring: writeQuery,
        body: networkBody,
      },
    },
    (req, reply) => {
      const lookup = ctx.lookupSwitch ? { lookupSwitch: ctx.lookupSwitch } : {};
      return runWrite(ctx, req, reply, (s) => putNetwork(s, req.params.network, req.body, lookup));
    },
  );

  app.delete<{ Params: { network: string } }>(
    '/v1/networks/:network',
    { schema: { summary: 'Delete a network (409 while VMs are attached)', params: networkParams, querystring: writeQuery } },
    (req, reply) => runWrite(ctx, req, reply, (s) => deleteNetwork(s, req.params.network)),
  );

  app.get('/v1/networks', { schema: { summary: 'List networks', querystring: emptyQuery } }, () => {
    const s = ctx.store.snapshot();
    return { generation: s.generation, networks: byName([...s.networks.values()]).map((n) => networkView(s, n)) };
  });

  app.get<{ Params: { network: string } }>(
    '/v1/networks/:network',
    { schema: { summary: 'One network, with the VMs attached', params: networkParams, querystring: emptyQuery } },
    (req, reply) => {
      const s = ctx.store.snapshot();
      const n = s.networks.get(req.params.network);
      if (!n) return sendError(reply, 404, 'network_not_found', `network ${req.params.network} does not exist`, 'network');
      return networkView(s, n);
    },
  );

  app.put<{ Params: { id: string }; Body: RelationInput }>(
    '/v1/relations/:id',
    { schema: { summary: 'Let two VMs reach each other on every network they share', params: relationParams, querystring: writeQuery, body: relationBody } },
    (req, reply) => runWrite(ctx, req, reply, (s) => putRelation(s, req.params.id, req.body)),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/relations/:id',
    { schema: { summary: 'Delete a relation', params: relationParams, querystring: writeQuery } },
    (req, reply) => runWrite(ctx, req, reply, (s) => deleteRelation(s, req.params.id)),
  );

  app.get('/v1/relations', { schema: { summary: 'List relations, each with the tenants it binds and its state', querystring: emptyQuery } }, () => {
    const s = ctx.store.snapshot();
    const relations = [...s.relations.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { generation: s.generation, relations: relations.map((r) => ({ ...r, ...relationState(s, r) })) };
  });
}
