// The compute side's hooks. An agent token's calls are held to its switches
// (scopes.ts), checked on the state each write applies to; a migration
// between two agents' switches starts once both have called migration-start.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  migrationAbort, migrationEnd, migrationStart, migrationStartBy, vmStart, vmStop,
  type MigrationStartInput, type OpContext, type OpResult, type VmStartInput,
} from '../../model/index.js';
import type { ModelSnapshot } from '../../model/types.js';
import type { ApiContext } from '../context.js';
import { migrationStartBody, vmOnlyBody, vmStartBody, writeQuery } from '../schemas.js';
import { callerOf, hookRefusal, migrationSide, type Hook, type HookBody } from '../scopes.js';
import { runWrite } from '../write.js';

export function registerHookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const opCtx: OpContext = ctx.lookupSwitch ? { lookupSwitch: ctx.lookupSwitch } : {};
  /** The operation, refused first when the caller's scope does not cover it. */
  const scoped =
    (req: FastifyRequest, hook: Exclude<Hook, 'migration-start'>, op: (s: ModelSnapshot) => OpResult) =>
    (s: ModelSnapshot): OpResult => {
      const refusal = hookRefusal(callerOf(req), hook, s, req.body as HookBody, ctx.lookupSwitch);
      return refusal ? { ok: false, error: refusal } : op(s);
    };

  app.post<{ Body: VmStartInput }>(
    '/v1/hooks/vm-start',
    { schema: { summary: 'A VM starts, or its interfaces are replaced at once', querystring: writeQuery, body: vmStartBody } },
    (req, reply) => runWrite(ctx, req, reply, scoped(req, 'vm-start', (s) => vmStart(s, req.body, opCtx))),
  );

  app.post<{ Body: { vm: string } }>(
    '/v1/hooks/vm-stop',
    { schema: { summary: 'A VM stops (an unknown VM: nothing changes)', querystring: writeQuery, body: vmOnlyBody } },
    (req, reply) => runWrite(ctx, req, reply, scoped(req, 'vm-stop', (s) => vmStop(s, req.body.vm))),
  );

  app.post<{ Body: MigrationStartInput }>(
    '/v1/hooks/migration-start',
    { schema: { summary: 'The destination of a live migration, programmed ahead', querystring: writeQuery, body: migrationStartBody } },
    (req, reply) =>
      runWrite(ctx, req, reply, (s) => {
        const who = migrationSide(callerOf(req), s, req.body, ctx.lookupSwitch);
        if ('refusal' in who) return { ok: false, error: who.refusal };
        return who.side === 'both' ? migrationStart(s, req.body, opCtx) : migrationStartBy(s, req.body, who.side, opCtx);
      }),
  );

  app.post<{ Body: { vm: string } }>(
    '/v1/hooks/migration-end',
    { schema: { summary: 'The destination becomes the only location', querystring: writeQuery, body: vmOnlyBody } },
    (req, reply) => runWrite(ctx, req, reply, scoped(req, 'migration-end', (s) => migrationEnd(s, req.body.vm))),
  );

  app.post<{ Body: { vm: string } }>(
    '/v1/hooks/migration-abort',
    { schema: { summary: 'The source stays, the destination goes', querystring: writeQuery, body: vmOnlyBody } },
    (req, reply) => runWrite(ctx, req, reply, scoped(req, 'migration-abort', (s) => migrationAbort(s, req.body.vm))),
  );
}
