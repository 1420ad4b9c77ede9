// The settings of the switch listener's protections: checked by field, and
// handed to the controller as its options.
import { expect } from 'chai';
import { effectiveSettings, parseConfig } from '../../../src/config/index.js';
import { controllerOptions } from '../../../src/controller-options.js';

function fieldOf(text: string): string | undefined {
  const r = parseConfig(text, 'f.yaml');
  expect(r.ok, `expected a refusal of ${text}`).to.equal(false);
  return r.ok ? undefined : r.error.field;
}

const TLS = 'cert: c.pem, key: k.pem, ca: ca.pem';

describe('config: switch listener protections', () => {
  it('names the bad field', () => {
    expect(fieldOf('openflow: {requireTls: 1}')).to.equal('openflow.requireTls');
    expect(fieldOf('openflow: {maxConnectionsPerAddress: 0}')).to.equal('openflow.maxConnectionsPerAddress');
    expect(fieldOf('openflow: {multipart: {maxEntries: 0}}')).to.equal('openflow.multipart.maxEntries');
    expect(fieldOf('openflow: {multipart: {maxBytes: 100}}')).to.equal('openflow.multipart.maxBytes');
    expect(fieldOf('openflow: {multipart: {parts: 3}}')).to.equal('openflow.multipart.parts');
    expect(fieldOf(`openflow: {tls: {${TLS}, dpids: [a]}}`)).to.equal('openflow.tls.dpids');
    expect(fieldOf(`openflow: {tls: {${TLS}, dpids: {sw1: []}}}`)).to.equal('openflow.tls.dpids.sw1');
    expect(fieldOf(`openflow: {tls: {${TLS}, dpids: {sw1: ["0000000000000001", "not-a-dpid"]}}}`)).to.equal('openflow.tls.dpids.sw1[1]');
    expect(fieldOf(`openflow: {tls: {${TLS}, dpids: {"AB:CD": ["1"]}}}`)).to.equal('openflow.tls.dpids.AB:CD');
    expect(fieldOf('discovery: {undescribedSwitches: deny}')).to.equal('discovery.undescribedSwitches');
    expect(fieldOf('discovery: {undescribedSwitches: refuse}')).to.equal('discovery.undescribedSwitches');
  });

  it('hands the listener its protections: certificate dpids (canonical), requireTls, per-address limit, reply caps, undescribed switches', () => {
    const fp = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0')).join(':');
    const r = parseConfig(
      [
        'openflow:',
        `  tls: {${TLS}, dpids: {"${fp}": [1, "00:00:00:00:00:00:00:02"], hv17: ["00000000005c7155"]}}`,
        '  requireTls: true',
        '  maxConnectionsPerAddress: 8',
        '  packetInPerPort: 250',
        '  multipart: {maxParts: 100, maxEntries: 2000, maxBytes: 1048576}',
        'topology: {switches: [{name: s1, dpid: 1, role: edge}]}',
        'discovery: {undescribedSwitches: refuse}',
      ].join('\n'),
    );
    if (!r.ok) throw new Error(r.error.message);
    const o = controllerOptions(effectiveSettings({}, r.config, {}));
    expect(o.openflow.tls?.dpids).to.deep.equal({ [fp]: ['0000000000000001', '0000000000000002'], hv17: ['00000000005c7155'] });
    expect(o.openflow.requireTls).to.equal(true);
    expect(o.openflow.maxConnectionsPerAddress).to.equal(8);
    expect(o.openflow.limits).to.deep.include({ maxReplyParts: 100, maxReplyEntries: 2000, maxReplyBytes: 1048576, packetInPerPortPerSecond: 250 });
    expect(o.topology?.refuseUndescribedSwitches).to.equal(true);
  });
});
