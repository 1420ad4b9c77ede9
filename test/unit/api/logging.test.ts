import { expect } from 'chai';
import { Writable } from 'node:stream';
import winston from 'winston';
import { makeApi, network1, vm1 } from './helpers.js';

describe('api request log', () => {
  it('logs each request with method, path, status, duration and the VM or network', async () => {
    const records: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
    const { app } = await makeApi({ logger });
    await app.inject({ method: 'PUT', url: '/v1/networks/n1', payload: network1 });
    await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', payload: vm1 });
    await app.inject({ method: 'GET', url: '/v1/vms/ghost' });
    const reqs = records.filter((r) => r.message === 'api request');
    expect(reqs.map((r) => [r.method, r.path, r.status, r.network ?? r.vm])).to.deep.equal([
      ['PUT', '/v1/networks/n1', 200, 'n1'],
      ['POST', '/v1/hooks/vm-start', 200, 'vm1'],
      ['GET', '/v1/vms/ghost', 404, 'ghost'],
    ]);
    for (const r of reqs) expect(r.durationMs).to.be.a('number').and.at.least(0);
    // A refused request says why: its error code and the field at fault.
    expect([reqs[2]!.error, reqs[2]!.field]).to.deep.equal(['vm_not_found', 'vm']);
    await app.inject({ method: 'PUT', url: '/v1/networks/n2', payload: { ...network1, kind: 'shared' } });
    const refused = records.filter((r) => r.message === 'api request').at(-1)!;
    expect([refused.status, refused.error, refused.field]).to.deep.equal([400, 'invalid_kind', 'kind']);
    await app.close();
  });
});
