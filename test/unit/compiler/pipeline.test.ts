import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../../src/compiler/compile.js';
import { COOKIE_TAG_MASK, COOKIE_TAG_VALUE, cookieFor, cookieKind, fnv1a64, isSpotlightCookie } from '../../../src/compiler/cookie.js';
import { flowKey } from '../../../src/reconcile/match-key.js';
import { checkFlow, STAGES } from '../../../src/compiler/pipeline.js';
import type { DesiredFlow } from '../../../src/compiler/types.js';
import { GOLDEN } from '../../support/flowsim-golden.js';

const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../flows/PIPELINE.md'), 'utf8');

describe('compiler: pipeline declaration', () => {
  it('flows/PIPELINE.md lists exactly the declared stages, with their OF1.3 tables', () => {
    const section = doc.slice(doc.indexOf('## Stages'), doc.indexOf('## ARP'));
    const listed = [...section.matchAll(/^- `([a-z0-9-]+)` \(([^)]*)\)/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(listed.map(([n]) => n).sort()).to.deep.equal(STAGES.map((s) => s.name).sort());
    for (const [name, where] of listed) {
      const s = STAGES.find((x) => x.name === name)!;
      if (s.tableId === 'every') expect(where, name).to.equal('every table');
      else if (s.lowering !== 'of10') expect(where, name).to.equal(`table ${s.tableId}`);
    }
  });

  it('every flow of the example clouds keeps to its stage', () => {
    for (const sc of GOLDEN) {
      for (const v of [1, 4] as const) {
        for (const sf of compile(sc.model, sc.topo(v)).switches.values()) {
          for (const f of sf.flows) expect(checkFlow(f, sf.version === 4 ? 'of13' : 'of10'), `${sc.name} ${f.stage}`).to.equal(null);
          const keys = sf.flows.map((f) => {
            const k = flowKey(f.tableId, f.priority, f.match, sf.version);
            if (!k.ok) throw new Error(`${sc.name} ${sf.dpid}: unkeyable flow: ${k.error.message}`);
            return k.key;
          });
          expect(new Set(keys).size, `${sc.name} ${sf.dpid}: flow identities are unique`).to.equal(keys.length);
          for (const f of sf.flows) expect(isSpotlightCookie(f.cookie)).to.equal(true);
        }
      }
    }
  });

  it('rejects flows that break their stage', () => {
    const base: DesiredFlow = { stage: 'transit', tableId: 1, priority: 1, match: { vlanVid: 0x1001 }, instructions: [], cookie: 0n };
    expect(checkFlow(base)).to.equal(null);
    expect(checkFlow(base, 'of10')).to.match(/of13 stage/);
    expect(checkFlow({ stage: 'table-miss', tableId: 3, priority: 0, match: {}, instructions: [], cookie: 0n })).to.equal(null);
    expect(checkFlow({ ...base, match: { ...base.match, ethSrc: '02:00:00:00:00:01' } })).to.match(/ethSrc/);
    expect(checkFlow({ ...base, tableId: 2 })).to.match(/table/);
    expect(checkFlow({ ...base, instructions: [{ type: 'gotoTable', tableId: 2 }] })).to.match(/goto/);
    expect(checkFlow({ ...base, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 0xfffffffd }] }] })).to.match(/controller/);
    expect(checkFlow({ ...base, stage: 'nope' })).to.match(/unknown/);
    expect(checkFlow({ stage: 'access', tableId: 0, priority: 1, match: {}, instructions: [{ type: 'gotoTable', tableId: 1 }], cookie: 0n })).to.not.equal(null);
  });
});

describe('compiler: cookies', () => {
  it('carry the tag, the kind and a stable hash of the object', () => {
    const a = cookieFor('iface', 'vm1/02:00:00:00:00:01');
    expect(a & COOKIE_TAG_MASK).to.equal(COOKIE_TAG_VALUE);
    expect(a >> 48n).to.equal(0x5370n);
    expect(cookieKind(a)).to.equal(3);
    expect(cookieFor('iface', 'vm1/02:00:00:00:00:01')).to.equal(a);
    expect(cookieFor('iface', 'vm2/02:00:00:00:00:01')).to.not.equal(a);
    expect(cookieKind(cookieFor('network', 'blue'))).to.equal(2);
    expect(isSpotlightCookie(0x1234n)).to.equal(false);
  });

  it('hash ids with 64-bit FNV-1a over their UTF-8 bytes (the published test vectors)', () => {
    // The first three are the FNV reference's vectors; the last (a two-byte character) is the textbook bigint loop's result.
    expect(fnv1a64('')).to.equal(0xcbf29ce484222325n);
    expect(fnv1a64('a')).to.equal(0xaf63dc4c8601ec8cn);
    expect(fnv1a64('foobar')).to.equal(0x85944171f73967e8n);
    expect(fnv1a64('réseau')).to.equal(0xeb350be74a23e547n);
  });
});
