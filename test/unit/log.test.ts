import { expect } from 'chai';
import { RepeatedLogLimiter } from '../../src/log.js';
import { captureLogger } from '../support/logs.js';

describe('log: repeated lines limited per source', () => {
  it('logs the first line of a source and message, counts repeats in the window, and reports them on the next line', () => {
    const { logger, records } = captureLogger();
    const clock = { t: 0 };
    const limit = new RepeatedLogLimiter({ everyMs: 1000, now: () => clock.t });
    for (let i = 0; i < 100; i++) limit.log(logger, 'warn', 'switch-a', 'malformed message from switch', { i });
    limit.log(logger, 'warn', 'switch-b', 'malformed message from switch', { i: 0 });
    limit.log(logger, 'warn', 'switch-a', 'another message', {});
    clock.t = 1000;
    limit.log(logger, 'warn', 'switch-a', 'malformed message from switch', { i: 100 });
    expect(records.map((r) => [r.message, r.i, r.suppressed])).to.deep.equal([
      ['malformed message from switch', 0, undefined],
      ['malformed message from switch', 0, undefined],
      ['another message', undefined, undefined],
      ['malformed message from switch', 100, 99],
    ]);
  });

  it('remembers a bounded number of sources (the least recently logged forgotten first)', () => {
    const { logger, records } = captureLogger();
    const limit = new RepeatedLogLimiter({ maxKeys: 50, now: () => 0 });
    for (let i = 0; i < 10_000; i++) limit.log(logger, 'info', `client-${i}`, 'api request');
    expect(limit.size).to.equal(50);
    expect(records).to.have.length(10_000);
    limit.log(logger, 'info', 'client-9999', 'api request');
    expect(records).to.have.length(10_000);
  });
});
