// The compute side's hooks.
import type { FastifyInstance } from 'fastify';
import {
  migrationAbort, migrationEnd, migrationStart, vmStart, vmStop,
  type MigrationStartInput, type OpContext, type VmStartInput,
} from '../../model/index.js';
import type { ApiContext } from '../context.js';
import { migrationStartBody, vmOnlyBody, vmStartBody, writeQuery } from '../schemas.js';
import { runWrite } from '../write.js';

export function registerHookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const opCtx: OpContext = ctx.lookupSwitch ? { lookupSwitch: ctx.lookupSwitch } : {};

  app.post<{ Body: VmStartInput }>(
    '/v1/hooks/vm-start',
    { schema: { summary: 'A VM starts, or its interfaces are replaced at once', querystring: writeQuery, body: vmStartBody } },
    (req, reply) => runWrite(ctx, req, reply, (s) => vmStart(s, req.body, opCtx)),
  );

  app.post<{ Body: { vm: string } }>(
    '/v1/hooks/vm-stop',
    { schema: { summary: 'A VM stops (an unknown VM: nothing changes)', querystring: writeQuery, body: vmOnlyBody } },
    (req, reply) => runWrite(ctx, req, reply, (s) => vmStop(s, req.body.vm)),
  );

  app.post<{ Body: MigrationStartInput }>(
    '/v1/hooks/migration-start',
    { schema: { summary: 'The destination of a live migration, programmed ahead', querystring: writeQuery, body: migrationStartBody } },
    (req, reply) => runWrite(ctx, req, reply, (s) => migrationStart(s, req.body, opCtx)),
  );

  app.post<{ Body: { vm: string } }>(
    '/v1/hooks/migration-end',
    { schema: { summary: 'The destination becomes the only location', querystring: writeQuery, body: vmOnlyBody } },
    (req, reply) => runWrite(ctx, req, reply, (s) => migrationEnd(s, req.body.vm)),
  );

  app.post<{ Body: { vm: string } }>(
    '/v1/hooks/migration-abort',
    { schema: { summary: 'The source stays, the destination goes', querystring: writeQuery, body: vmOnlyBody } },
    (req, reply) => runWrite(ctx, req, reply, (s) => migrationAbort(s, req.body.vm)),
  );
}
