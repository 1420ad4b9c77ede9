// Datapath ids are read one way everywhere: the API's writes, trace, the
// flow read, and topology files take 16 hex digits, the colon form and 0x
// with hex digits; a short bare number as text ("1", "10": decimal or hex?)
// is refused everywhere with the same code; a topology file's YAML integer is
// a number, read as such.
import { expect } from 'chai';
import { makeApi, network1 } from '../api/helpers.js';
import { switchDpid } from '../../../src/model/ident.js';
import { dpidFromText } from '../../../src/openflow/dpid.js';
import { normalizeDpid, validateDescription } from '../../../src/topo/description.js';

describe('model: datapath id forms', () => {
  it('reads the same texts the same way in the model and in topology files', () => {
    for (const [text, want] of [
      ['0000000000000001', '0000000000000001'],
      ['00:00:00:00:00:00:00:0A', '000000000000000a'],
      ['0x1', '0000000000000001'],
      ['0X10', '0000000000000010'],
      ['1', undefined],
      ['10', undefined],
      ['0x', undefined],
      ['0x12345678901234567', undefined],
    ] as const) {
      expect(dpidFromText(text), text).to.equal(want);
      expect(switchDpid(text), text).to.equal(want);
      expect(normalizeDpid(text), text).to.equal(want);
    }
    expect(normalizeDpid(10), 'a YAML integer is a number').to.equal('000000000000000a');
    const d = validateDescription({ switches: [{ name: 's1', dpid: '1' }], links: [] });
    expect(d.ok).to.equal(false);
    if (!d.ok) expect(d.error.field).to.equal('switches[0].dpid');
  });

  it('the API, trace and the flow read refuse "2" alike and take 0x2', async () => {
    const topo = {
      version: 1,
      switches: new Map([['0000000000000002', { dpid: '0000000000000002', connected: true, ports: new Map([[3, { portNo: 3, name: 'eth3', up: true }]]) }]]),
      links: [],
    };
    const { app } = await makeApi({
      fabric: { snapshot: () => topo },
      compiled: { switches: () => [] },
      switches: { list: () => [{ dpid: '0000000000000002', version: '1.3', connected: true, ports: [], flowCount: 0, realizedGeneration: null }], dumpFlows: async () => ({ ok: true, version: '1.3', flows: [] }) },
    });
    await app.inject({ method: 'PUT', url: '/v1/networks/n1', payload: network1 });
    const vm = (sw: string) => ({ vm: 'v', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:01', network: 'n1', switch: sw, port: 3 }] });
    const answers = [
      await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', payload: vm('2') }),
      await app.inject({ method: 'GET', url: `/v1/trace?packet=${encodeURIComponent('in=2:3 eth_src=52:54:00:00:00:01 eth_dst=52:54:00:00:00:02')}` }),
      await app.inject({ method: 'GET', url: '/v1/switches/2/flows' }),
    ];
    for (const r of answers) {
      expect(r.statusCode, r.body).to.equal(400);
      expect(r.json().error.code).to.equal('invalid_switch');
      expect(r.json().error.message).to.contain('0x and hex digits');
    }
    expect((await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', payload: vm('0x2') })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: `/v1/trace?packet=${encodeURIComponent('in=0x2:3 eth_src=52:54:00:00:00:01 eth_dst=52:54:00:00:00:02')}` })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/switches/0x2/flows' })).statusCode).to.equal(200);
    await app.close();
  });
});
