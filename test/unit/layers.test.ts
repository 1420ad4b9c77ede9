// The folders of src/ depend on each other one way only. Each folder (and each
// file at src/'s top) lists what it may import; an import outside its list, a
// folder or file missing from the table, or a cycle among the lists fails.
// Type-only imports count: they tie the folders together as much as values.
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Leaf helpers at src/'s top that any layer may use. */
const UTIL = ['log', 'clock', 'json', 'package-root', 'field-error'];

/** What each layer may import (besides itself and UTIL). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  json: [],
  clock: [],
  'package-root': [],
  'field-error': [],
  log: ['json'],
  openflow: [],
  model: ['openflow'],
  channel: ['openflow'],
  topo: ['openflow', 'model'],
  store: ['model'],
  compiler: ['openflow', 'model', 'topo'],
  budget: ['openflow', 'compiler'],
  reconcile: ['openflow', 'channel', 'compiler'],
  sim: ['openflow', 'topo', 'compiler'],
  explain: ['openflow', 'model', 'topo', 'compiler', 'sim'],
  config: ['channel', 'model', 'store', 'topo', 'budget'],
  events: ['openflow', 'model', 'topo', 'compiler', 'reconcile'],
  api: ['model', 'store', 'topo', 'compiler', 'reconcile', 'sim', 'explain', 'events'],
  metrics: ['openflow', 'topo', 'compiler', 'reconcile', 'api', 'budget'],
  runtime: ['openflow', 'model', 'store', 'channel', 'topo', 'compiler', 'reconcile', 'api', 'budget'],
  cluster: ['openflow', 'store', 'channel', 'topo', 'runtime'],
  client: ['openflow', 'model', 'sim', 'explain', 'events', 'api'],
  'controller-options': ['api', 'budget', 'channel', 'config', 'store', 'topo'],
  wiring: ['openflow', 'model', 'store', 'channel', 'topo', 'compiler', 'reconcile', 'events', 'api', 'metrics', 'runtime', 'cluster', 'budget', 'controller-options'],
  controller: ['openflow', 'model', 'store', 'channel', 'topo', 'compiler', 'reconcile', 'sim', 'explain', 'config', 'events', 'api', 'metrics', 'runtime', 'cluster', 'budget', 'controller-options', 'wiring'],
  cli: ['store', 'config', 'client', 'controller', 'controller-options'],
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

/** The layer of a path under src/: its folder, or a top file's name without .ts. */
function layerOf(path: string): string {
  const [head, ...rest] = relative(SRC, path).split(sep);
  return rest.length > 0 ? head! : head!.replace(/\.(ts|js)$/, '');
}

/** Every import and re-export of src/ between two layers: [from file, from layer, to layer]. */
function crossings(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const file of tsFiles(SRC)) {
    const from = layerOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/g)) {
      const to = layerOf(normalize(join(dirname(file), m[1]!)));
      if (to !== from) out.push([relative(SRC, file), from, to]);
    }
  }
  return out;
}

describe('dependency rule between the folders of src/', () => {
  it('every import stays within what its folder may use', () => {
    const found = crossings();
    expect(found.length, 'imports between folders found').to.be.greaterThan(50);
    const broken = found.filter(([, from, to]) => !UTIL.includes(to) && !(MAY_IMPORT[from] ?? []).includes(to)).map(([file, , to]) => `${file} imports ${to}`);
    expect(broken).to.deep.equal([]);
  });

  it('every folder and top file of src/ has a line in the table', () => {
    const layers = new Set(tsFiles(SRC).map(layerOf));
    expect([...layers].filter((l) => !(l in MAY_IMPORT)).sort()).to.deep.equal([]);
    expect(Object.keys(MAY_IMPORT).filter((l) => !layers.has(l)).sort()).to.deep.equal([]);
  });

  it('the table itself has no cycle (utilities included)', () => {
    const deps = (l: string): readonly string[] => [...(MAY_IMPORT[l] ?? []), ...(UTIL.includes(l) ? [] : UTIL)];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (l: string, path: string[]): void => {
      if (state.get(l) === 'done') return;
      if (state.get(l) === 'visiting') throw new Error(`cycle: ${[...path, l].join(' -> ')}`);
      state.set(l, 'visiting');
      for (const d of deps(l)) if (d !== l) visit(d, [...path, l]);
      state.set(l, 'done');
    };
    for (const l of Object.keys(MAY_IMPORT)) visit(l, []);
  });
});
