// docs/api.md is generated from the served OpenAPI description; this fails
// when a route changed and the file was not regenerated.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { apiMarkdown, openApiDocument } from '../../../scripts/api-docs.js';

describe('docs/api.md', () => {
  it('is current with /v1/openapi.json (regenerate: node --import tsx scripts/api-docs.ts --write)', async () => {
    const doc = await openApiDocument();
    const want = apiMarkdown(doc);
    expect(readFileSync('docs/api.md', 'utf8') === want, 'docs/api.md is out of date').to.equal(true);
    // Every route of the description has its section.
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const m of Object.keys(ops)) expect(want).to.contain(`## ${m.toUpperCase()} ${path}\n`);
    }
  });
});
