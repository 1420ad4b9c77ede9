// Golden dumps: the compiled flows of the example clouds, per switch and per
// OpenFlow version, in ovs-ofctl add-flows syntax with stage names in
// comments. A change to what the compiler emits shows up as a readable diff;
// SPOTLIGHT_UPDATE_GOLDEN=1 rewrites them. When ovs-ofctl is installed, it
// must parse every dump (an oracle that is not ours).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../../src/compiler/compile.js';
import { switchText } from '../../../src/compiler/ofctl-text.js';
import { GOLDEN } from '../../support/flowsim-golden.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../flows/golden');
const update = process.env.SPOTLIGHT_UPDATE_GOLDEN === '1';

function hasOfctl(): boolean {
  try {
    execFileSync('ovs-ofctl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('compiler: golden dumps (flows/golden)', () => {
  for (const sc of GOLDEN) {
    for (const version of [4, 1] as const) {
      const tag = version === 4 ? 'of13' : 'of10';
      it(`${sc.name} ${tag}`, function () {
        const res = compile(sc.model, sc.topo(version));
        for (const [d, sf] of res.switches) {
          const file = join(root, sc.name, tag, `${d}.flows`);
          const text = switchText(sf.flows, sf.version, sf.groups, sf.meters);
          if (update) {
            mkdirSync(dirname(file), { recursive: true });
            writeFileSync(file, text);
          }
          expect(existsSync(file), `${file} missing (run with SPOTLIGHT_UPDATE_GOLDEN=1)`).to.equal(true);
          expect(text, file).to.equal(readFileSync(file, 'utf8'));
          if (hasOfctl()) {
            const out = execFileSync('ovs-ofctl', ['-O', version === 4 ? 'OpenFlow13' : 'OpenFlow10', 'parse-flows', file], { encoding: 'utf8' });
            expect(out, `${file}: ovs-ofctl parse-flows`).to.include(version === 4 ? 'OpenFlow13' : 'OpenFlow10');
          }
        }
        if (sc.name === 'migration') expect(res.diagnostics.map((d) => d.code)).to.include('PORT_NOT_PRESENT');
      });
    }
  }
});
