// docs/settings.md and the loader stay in step: every field the loader accepts
// has a section, every section is a field, and the example file sets them all.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { SETTING_FIELDS, parseConfig } from '../../../src/config/index.js';

const docs = readFileSync('docs/settings.md', 'utf8');
const documented = [...docs.matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1]!);

function leafPaths(v: unknown, prefix = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [prefix];
  const out: string[] = prefix ? [prefix] : [];
  for (const [k, x] of Object.entries(v)) out.push(...leafPaths(x, prefix ? `${prefix}.${k}` : k));
  return out;
}

describe('config: docs/settings.md', () => {
  it('documents every field of the loader, and only those', () => {
    expect([...documented].sort()).to.deep.equal(SETTING_FIELDS.map((f) => f.path).sort());
  });

  it('the loader accepts every documented field and refuses a sibling it does not know', () => {
    // The single-controller example, and the cluster one for what only a cluster sets.
    const examples = ['examples/spotlight.yaml', 'examples/cluster/spotlight-etcd.yaml'];
    const set = new Set(examples.flatMap((f) => leafPaths(parse(readFileSync(f, 'utf8')) as unknown)));
    // TLS (the API's and the switches') is in examples/spotlight.yaml commented out (the example starts as it is), every field of it shown.
    const tlsBlocks = new Map<string, string[]>();
    let section = '';
    for (const l of readFileSync('examples/spotlight.yaml', 'utf8').split('\n')) {
      section = /^(\w+):/.exec(l)?.[1] ?? section;
      if (/^ {2}# {1,5}(tls:|cert:|key:|ca:|dpids:|hv17-switch:)/.test(l)) tlsBlocks.set(section, [...(tlsBlocks.get(section) ?? []), l.replace('# ', '')]);
    }
    expect([...tlsBlocks.keys()].sort()).to.deep.equal(['api', 'openflow']);
    for (const [top, block] of tlsBlocks) for (const p of leafPaths(parse(`${top}:\n${block.join('\n')}\n`) as unknown)) set.add(p);
    // token and tokenFile, password and passwordFile exclude each other: the examples use the files.
    for (const f of SETTING_FIELDS) {
      if (f.path !== 'api.token' && f.path !== 'store.password') expect(set.has(f.path), `the examples lack ${f.path}`).to.equal(true);
    }
    expect(parseConfig('api: {token: abc}').ok).to.equal(true);
    for (const f of SETTING_FIELDS.filter((x) => x.kind.startsWith('mapping') && x.path !== 'topology')) {
      const text = f.path.split('.').reduceRight((inner, k) => `{${k}: ${inner}}`, '{bogus: 1}');
      const r = parseConfig(text);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error.field).to.equal(`${f.path}.bogus`);
    }
  });
});
