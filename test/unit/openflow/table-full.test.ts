// The "table full" answers to a flow-mod, by version, as ovs-ofctl names them.
import { expect } from 'chai';
import { encodeMessage } from '../../../src/openflow/index.js';
import { isTableFull } from '../../../src/openflow/table-full.js';
import { haveOvsOfctl, ofpPrint } from './helpers.js';

describe('openflow: table-full errors', () => {
  const cases = [
    { version: 1, errType: 3, code: 0, full: true },
    { version: 1, errType: 3, code: 1, full: false },
    { version: 1, errType: 5, code: 1, full: false },
    { version: 4, errType: 5, code: 1, full: true },
    { version: 4, errType: 5, code: 0, full: false },
    { version: 4, errType: 3, code: 0, full: false },
  ] as const;
  for (const c of cases) {
    it(`OF${c.version === 1 ? '1.0' : '1.3'} error type ${c.errType} code ${c.code}: ${c.full ? '' : 'not '}table full, as ovs-ofctl reads it`, function () {
      expect(isTableFull(c.version, c.errType, c.code)).to.equal(c.full);
      if (!haveOvsOfctl()) return this.skip();
      const bytes = encodeMessage({ version: c.version, xid: 1, type: 'error', errType: c.errType, code: c.code, data: new Uint8Array(0) });
      expect(ofpPrint(bytes).includes('OFPFMFC_TABLE_FULL')).to.equal(c.full);
    });
  }
});
