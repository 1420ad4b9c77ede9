import { expect } from 'chai';
import { negotiateVersion } from '../../../src/channel/negotiate.js';

describe('channel: version negotiation', () => {
  const both = [1, 4] as const;
  it('picks the highest common version from two bitmaps', () => {
    expect(negotiateVersion([...both], 4, [1, 4])).to.deep.equal({ ok: true, version: 4 });
    expect(negotiateVersion([...both], 6, [1, 2, 3, 4, 5, 6])).to.deep.equal({ ok: true, version: 4 });
    expect(negotiateVersion([...both], 4, [1, 3])).to.deep.equal({ ok: true, version: 1 });
  });
  it('fails when the bitmaps share no version', () => {
    expect(negotiateVersion([...both], 3, [2, 3]).ok).to.equal(false);
    expect(negotiateVersion([4], 1, [1]).ok).to.equal(false);
  });
  it('takes the smaller header version for a plain HELLO', () => {
    expect(negotiateVersion([...both], 1)).to.deep.equal({ ok: true, version: 1 });
    expect(negotiateVersion([...both], 4)).to.deep.equal({ ok: true, version: 4 });
    expect(negotiateVersion([...both], 6)).to.deep.equal({ ok: true, version: 4 });
  });
  it('fails a plain HELLO whose smaller version we do not speak', () => {
    expect(negotiateVersion([...both], 2).ok).to.equal(false);
    expect(negotiateVersion([...both], 3).ok).to.equal(false);
    expect(negotiateVersion([1], 4).ok).to.equal(true);
    expect(negotiateVersion([4], 1).ok).to.equal(false);
  });
});
