import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../../src/api/errors.js';
import { makeApi } from './helpers.js';

// Every endpoint docs/contract.md pins (OpenAPI path form).
const CONTRACT = [
  'PUT /v1/networks/{network}', 'DELETE /v1/networks/{network}', 'GET /v1/networks', 'GET /v1/networks/{network}',
  'PUT /v1/relations/{id}', 'DELETE /v1/relations/{id}',
  'POST /v1/hooks/vm-start', 'POST /v1/hooks/vm-stop', 'POST /v1/hooks/migration-start', 'POST /v1/hooks/migration-end', 'POST /v1/hooks/migration-abort',
  'GET /v1/vms', 'GET /v1/vms/{vm}', 'GET /v1/switches', 'GET /v1/topology', 'GET /v1/health',
];

describe('api OpenAPI description', () => {
  it('lists exactly the registered routes, with their schemas, and every contract endpoint', async () => {
    const { app } = await makeApi();
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(doc.openapi).to.match(/^3\./);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const registered = app.spotlightRoutes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`).sort();
    expect(documented).to.deep.equal(registered);
    for (const c of CONTRACT) expect(documented, c).to.include(c);
    // Each documented route answers something other than "no such route".
    for (const d of documented) {
      const [method, path] = d.split(' ') as [string, string];
      const url = path.replace(/\{\w+\}/g, 'x1');
      const res = await app.inject({ method: method as 'GET', url, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }) });
      expect(res.json()?.error?.code, d).to.not.equal('route_not_found');
    }
    for (const r of app.spotlightRoutes) {
      const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')][r.method.toLowerCase()];
      if (r.schema.body) expect(op.requestBody.content['application/json'].schema).to.deep.equal(r.schema.body);
      // Every answer is described: a shape that is more than "an object", and an example.
      const ok = Object.values(op.responses['200'].content ?? {})[0] as { schema?: { properties?: object; description?: string }; example?: unknown } | undefined;
      expect(ok, `${r.method} ${r.url}: 200 body`).to.not.equal(undefined);
      expect(ok!.example, `${r.method} ${r.url}: example`).to.not.equal(undefined);
      expect(ok!.schema!.properties ?? ok!.schema!.description, `${r.method} ${r.url}: schema`).to.not.equal(undefined);
      for (const [status, resp] of Object.entries(op.responses as Record<string, { content: Record<string, { example: unknown }> }>)) {
        if (status !== '200') expect(Object.values(resp.content)[0]!.example, `${r.method} ${r.url} ${status}`).to.not.equal(undefined);
      }
    }
    await app.close();
  });
});

describe('api error codes', () => {
  it('documents every error code with its status in src/api/README.md', () => {
    const readme = readFileSync(new URL('../../../src/api/README.md', import.meta.url), 'utf8');
    const rows = new Map<string, number>();
    for (const m of readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) rows.set(m[1]!, Number(m[2]));
    expect([...rows.keys()].sort()).to.deep.equal(Object.keys(ERROR_CODES).sort());
    for (const [code, info] of Object.entries(ERROR_CODES)) expect(rows.get(code), code).to.equal(info.status);
  });
});
