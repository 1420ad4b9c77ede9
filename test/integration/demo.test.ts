// `npm run demo`'s function on Mininet: the matrix it prints, measured with
// pings, equals the contract's, written out here by hand from the demo's roles.
import { expect } from 'chai';
import { parseMatrix, runDemo } from '../../examples/demo/demo.js';
import { mininetReadiness } from '../support/mininet.js';

/** docs/contract.md: private members reach each other; public members reach the gateway and their own tenant. */
const ALLOWED = [
  ['h1', 'h5'], // red-net, private
  ['h2', 'h6'], // blue-net, private
  ['h3', 'h7'], // public, both tenant red
  ['h3', 'h8'], // public, gateway
  ['h4', 'h8'],
  ['h7', 'h8'],
];

describe('demo: the fat-tree reachability matrix', function () {
  this.timeout(600_000);

  it('prints a measured matrix equal to the contract', async function () {
    const ready = mininetReadiness();
    if (ready === 'not-root') this.skip();
    if (ready !== 'ready') throw new Error(ready.error);
    let text = '';
    const r = await runDemo((l) => (text += `${l}\n`));
    const printed = parseMatrix(text, 'measured (ping):');
    const hosts = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8'];
    for (const a of hosts) {
      for (const b of hosts) {
        if (a === b) continue;
        const want = ALLOWED.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
        expect(printed.get(`${a}>${b}`), `${a} -> ${b}`).to.equal(want);
      }
    }
    expect(r.matches).to.equal(true);
    expect(text).to.contain('the measured matrix matches the contract');
    // It shows the web view and runs every README example as the README says.
    expect(text).to.match(/web view: http:\/\/127\.0\.0\.1:\d+\/ui\//);
    expect(r.examplesOk, text.slice(text.indexOf("the README's examples:"))).to.equal(true);
    expect(text).to.contain('verdict: dropped on 0000000000000001 at port-security');
  });
});
