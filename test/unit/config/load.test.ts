import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { effectiveSettings, loadConfig, parseConfig } from '../../../src/config/index.js';
import { controllerOptions } from '../../../src/controller-options.js';

function fieldOf(text: string): string | undefined {
  const r = parseConfig(text, 'f.yaml');
  expect(r.ok, 'expected a refusal').to.equal(false);
  return r.ok ? undefined : r.error.field;
}

describe('config: settings file validation', () => {
  it('accepts an empty file and an empty mapping', () => {
    expect(parseConfig('').ok).to.equal(true);
    expect(parseConfig('{}').ok).to.equal(true);
  });

  it('names the bad field of each kind of mistake', () => {
    expect(fieldOf('api: {listen: localhost}')).to.equal('api.listen');
    expect(fieldOf('api: {listen: "1.2.3.4:70000"}')).to.equal('api.listen');
    expect(fieldOf('api: {token: ""}')).to.equal('api.token');
    expect(fieldOf('api: {token: "a b"}')).to.equal('api.token');
    expect(fieldOf('api: {token: x, tokenFile: y}')).to.equal('api.tokenFile');
    expect(fieldOf('api: {bodyLimit: 10}')).to.equal('api.bodyLimit');
    expect(fieldOf('openflow: {tls: {cert: a, key: b}}')).to.equal('openflow.tls.ca');
    expect(fieldOf('openflow: {keepalive: {intervalMs: -1}}')).to.equal('openflow.keepalive.intervalMs');
    expect(fieldOf('openflow: {keepalive: {maxMisses: 1.5}}')).to.equal('openflow.keepalive.maxMisses');
    expect(fieldOf('reconcile: {auditInterval: 5}')).to.equal('reconcile.auditInterval');
    expect(fieldOf('reconcile: {bundles: "yes"}')).to.equal('reconcile.bundles');
    expect(fieldOf('limits: {packetInRate: 0}')).to.equal('limits.packetInRate');
    expect(fieldOf('log: {level: loud}')).to.equal('log.level');
    expect(fieldOf('data: 5')).to.equal('data');
    expect(fieldOf('colour: blue')).to.equal('colour');
    expect(fieldOf('- a list')).to.equal('(top level)');
  });

  it('names the field inside an inline topology', () => {
    const text = [
      'topology:',
      '  switches:',
      '    - {name: s1, dpid: "0000000000000001", role: edge, openflow: "1.3"}',
      '    - {name: s2, dpid: "0000000000000002", role: edge, openflow: "1.3"}',
      '    - {name: s3, dpid: "not-a-dpid", role: edge, openflow: "1.3"}',
    ].join('\n');
    expect(fieldOf(text)).to.equal('topology.switches[2].dpid');
    const r = parseConfig(text, 'f.yaml');
    if (!r.ok) expect(r.error.message).to.contain('topology.switches[2].dpid');
  });

  it('reports YAML syntax errors as CONFIG_PARSE', () => {
    const r = parseConfig('api: [unclosed', 'f.yaml');
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.error.code).to.equal('CONFIG_PARSE');
  });
});

describe('config: loading a file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotlight-config-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('reads the token file and the topology file, relative to the settings file', async () => {
    await writeFile(join(dir, 'token'), '  s3cret\n');
    await writeFile(join(dir, 'fabric.yaml'), 'switches:\n  - {name: s1, dpid: "0000000000000001", role: edge, openflow: "1.0"}\n');
    await writeFile(join(dir, 's.yaml'), 'api: {tokenFile: token}\ntopology: fabric.yaml\ndata: state\n');
    const r = await loadConfig(join(dir, 's.yaml'));
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.config.api?.token).to.equal('s3cret');
    expect(r.config.topologyDescription?.switches[0]?.version).to.equal(1);
    expect(r.config.data).to.equal(join(dir, 'state'));
  });

  it('refuses an unreadable token file by field', async () => {
    await writeFile(join(dir, 's.yaml'), 'api: {tokenFile: missing}\n');
    const r = await loadConfig(join(dir, 's.yaml'));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.error.field).to.equal('api.tokenFile');
  });

  it('refuses a missing settings file as CONFIG_UNREADABLE', async () => {
    const r = await loadConfig(join(dir, 'nope.yaml'));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.error.code).to.equal('CONFIG_UNREADABLE');
  });

  it('loads examples/cluster/spotlight-etcd.yaml: etcd endpoints, prefix, TLS files and the password from its file', async () => {
    const r = await loadConfig('examples/cluster/spotlight-etcd.yaml');
    expect(r.ok, r.ok ? '' : r.error.message).to.equal(true);
    if (!r.ok) return;
    const s = effectiveSettings({}, r.config, {});
    expect(s.etcd).to.deep.equal({
      endpoints: ['192.0.2.21:2379', '192.0.2.22:2379', '192.0.2.23:2379'],
      prefix: '/spotlight/',
      tls: { ca: '/etc/spotlight/etcd-ca.pem', cert: '/etc/spotlight/etcd-client-cert.pem', key: '/etc/spotlight/etcd-client-key.pem' },
      auth: { username: 'spotlight', password: 'example-etcd-password' },
      callTimeoutMs: 5000,
    });
    expect(controllerOptions(s).etcd).to.deep.equal(s.etcd);
  });

  it('refuses store settings that cannot work, naming the field', () => {
    const cases: [string, string][] = [
      ['store: {url: "http://127.0.0.1:2379"}', 'store.url'],
      ['store: {url: "etcd://127.0.0.1"}', 'store.url'],
      ['store: {url: "etcd://a:1,b:99999"}', 'store.url'],
      ['store: {url: "etcd://a:1", tls: {ca: ca.pem, cert: c.pem}}', 'store.tls.key'],
      ['store: {url: "etcd://a:1", password: x}', 'store.username'],
      ['store: {url: "etcd://a:1", username: u}', 'store.password'],
      ['store: {url: "etcd://a:1", username: u, password: p, passwordFile: f}', 'store.passwordFile'],
      ['store: {url: "etcd://a:1", callTimeoutMs: 5}', 'store.callTimeoutMs'],
      ['store: {etcd: "etcd://a:1"}', 'store.etcd'],
    ];
    for (const [text, field] of cases) {
      const r = parseConfig(text);
      expect(r.ok, text).to.equal(false);
      if (!r.ok) expect(r.error.field, text).to.equal(field);
    }
  });

  it('loads examples/spotlight.yaml', async () => {
    const r = await loadConfig('examples/spotlight.yaml');
    expect(r.ok, r.ok ? '' : r.error.message).to.equal(true);
    if (r.ok) expect(r.config.topologyDescription?.switches.length).to.equal(6);
  });
});

describe('config: flags, environment and file', () => {
  const file = (() => {
    const r = parseConfig('api: {listen: "127.0.0.2:9000", token: filetoken}\nopenflow: {listen: ":7000", keepalive: {intervalMs: 0}}\ndata: /d\nlog: {level: warn}\n');
    if (!r.ok) throw new Error(r.error.message);
    return r.config;
  })();

  it('file values apply when no flag is given', () => {
    const s = effectiveSettings({}, file, {});
    expect(s.api).to.deep.equal({ host: '127.0.0.2', port: 9000 });
    expect(s.openflow).to.deep.equal({ host: '0.0.0.0', port: 7000 });
    expect(s.data).to.equal('/d');
    expect(s.logLevel).to.equal('warn');
    expect(s.apiToken).to.equal('filetoken');
    expect(controllerOptions(s).openflow.limits).to.deep.equal({ echoIntervalMs: 0 });
  });

  it('flags win over the file, the environment over the file token', () => {
    const s = effectiveSettings({ api: { host: '127.0.0.1', port: 1 }, data: '/x', logLevel: 'debug' }, file, { SPOTLIGHT_API_TOKEN: 'envtoken' });
    expect(s.api.port).to.equal(1);
    expect(s.data).to.equal('/x');
    expect(s.logLevel).to.equal('debug');
    expect(s.apiToken).to.equal('envtoken');
  });

  it('--store wins over store.url; a prefix in the URL replaces /spotlight/', () => {
    const r = parseConfig('store: {url: "etcd://10.0.0.1:2379", callTimeoutMs: 1000}');
    if (!r.ok) throw new Error(r.error.message);
    expect(effectiveSettings({}, r.config, {}).etcd).to.deep.equal({ endpoints: ['10.0.0.1:2379'], prefix: '/spotlight/', callTimeoutMs: 1000 });
    expect(effectiveSettings({ store: 'etcd://[::1]:2379,h2:2380/cloud-a' }, r.config, {}).etcd).to.deep.equal({ endpoints: ['[::1]:2379', 'h2:2380'], prefix: '/cloud-a/', callTimeoutMs: 1000 });
    expect(effectiveSettings({}, {}, {}).etcd).to.equal(undefined);
  });

  it('defaults without file or flags', () => {
    const s = effectiveSettings({}, {}, {});
    expect(s.api).to.deep.equal({ host: '127.0.0.1', port: 8080 });
    expect(s.openflow).to.deep.equal({ host: '0.0.0.0', port: 6653 });
    expect(s.apiToken).to.equal(undefined);
  });
});
