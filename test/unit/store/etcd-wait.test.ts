// Waiting at start for an etcd that does not answer: only "no answer" is
// retried (also when a store error wraps it), a refusal stops at once, and
// stop() ends the wait.
import { expect } from 'chai';
import { BrokenCircuitError } from 'cockatiel';
import { EtcdAuthenticationFailedError, GRPCUnavailableError } from 'etcd3';
import { StoreError } from '../../../src/store/errors.js';
import { etcdDidNotAnswer, whenEtcdAnswers } from '../../../src/store/etcd-wait.js';
import { captureLogger } from '../../support/logs.js';

describe('store: waiting for etcd at start', () => {
  it('tells "no answer" (unavailable, every member skipped, wrapped in a store error) from a refusal', () => {
    expect(etcdDidNotAnswer(new GRPCUnavailableError('14 UNAVAILABLE: connect ECONNREFUSED'))).to.equal(true);
    expect(etcdDidNotAnswer(new BrokenCircuitError())).to.equal(true);
    expect(etcdDidNotAnswer(new StoreError('store_unreadable', 'cannot open store', { cause: new GRPCUnavailableError('x') }))).to.equal(true);
    expect(etcdDidNotAnswer(new EtcdAuthenticationFailedError('bad password'))).to.equal(false);
    expect(etcdDidNotAnswer(new StoreError('store_corrupt', 'an import was cut short'))).to.equal(false);
    expect(etcdDidNotAnswer('a string')).to.equal(false);
  });

  it('tries again while etcd does not answer, logging each try, and returns what the call gives', async () => {
    const { logger, records } = captureLogger();
    let calls = 0;
    const value = await whenEtcdAnswers(
      'reading the model',
      async () => {
        calls++;
        if (calls < 3) throw new GRPCUnavailableError('14 UNAVAILABLE: connect ECONNREFUSED');
        return 'model';
      },
      { logger },
    );
    expect(value).to.equal('model');
    expect(calls).to.equal(3);
    const warned = records.filter((r) => r.message === 'etcd does not answer; trying again');
    expect(warned.map((r) => [r.what, r.attempt, r.retryInMs])).to.deep.equal([
      ['reading the model', 1, 250],
      ['reading the model', 2, 500],
    ]);
  });

  it('a refusal ends the wait at once with that error', async () => {
    const { logger, records } = captureLogger();
    let calls = 0;
    const refused = new EtcdAuthenticationFailedError('authentication failed');
    const outcome = await whenEtcdAnswers(
      'joining the cluster',
      async () => {
        calls++;
        throw refused;
      },
      { logger },
    ).catch((e: unknown) => e);
    expect(outcome).to.equal(refused);
    expect(calls).to.equal(1);
    expect(records).to.deep.equal([]);
  });

  it('stop() (the signal) ends a wait between two tries, and no try follows', async () => {
    const { logger } = captureLogger();
    const stop = new AbortController();
    let calls = 0;
    const waiting = whenEtcdAnswers(
      'reading the model',
      async () => {
        calls++;
        throw new BrokenCircuitError();
      },
      { logger, signal: stop.signal },
    ).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    const outcome = (await waiting) as Error;
    expect(outcome.name).to.equal('AbortError');
    await new Promise((r) => setTimeout(r, 400));
    expect(calls).to.equal(1);
  });
});
