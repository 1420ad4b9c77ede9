import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findSwitch, loadDescription, parseDescription, normalizeDpid, type TopologyDescription } from '../../../src/topo/description.js';
import { compareCabling, describedPortKind, cablingMatches } from '../../../src/topo/cabling.js';
import type { Link, TopologySnapshot, TopoPort, TopoSwitch } from '../../../src/topo/types.js';

const TOPOLOGY_DIR = new URL('../../../topology/', import.meta.url).pathname;

function ok(text: string, format: 'yaml' | 'json' = 'yaml'): TopologyDescription {
  const r = parseDescription(text, format);
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.message}`);
  return r.description;
}

function err(text: string): { code: string; field: string; message: string } {
  const r = parseDescription(text);
  expect(r.ok, 'should be refused').to.equal(false);
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

const two = `
switches:
  - {name: s1, dpid: 1, role: edge}
  - {name: s2, dpid: 2, role: aggregation}
`;

describe('topo/description', () => {
  it('loads every description shipped in topology/', async () => {
    const files = readdirSync(TOPOLOGY_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files).to.include.members(['single.yaml', 'line3.yaml', 'ring4.yaml', 'fattree.yaml', 'miscabled/ring4-crossed.yaml']);
    for (const f of files) {
      const r = await loadDescription(join(TOPOLOGY_DIR, f));
      expect(r.ok, `${f}: ${r.ok ? '' : r.error.field + ' ' + r.error.message}`).to.equal(true);
    }
    const fat = await loadDescription(join(TOPOLOGY_DIR, 'fattree.yaml'));
    if (!fat.ok) return;
    const d = fat.description;
    expect(d.switches.filter((s) => s.role === 'edge')).to.have.length(4);
    expect(d.switches.filter((s) => s.role === 'aggregation')).to.have.length(2);
    // Every edge switch is cabled to every aggregation switch, once.
    const pairs = new Set(d.links.map((l) => [l.a.switch, l.b.switch].sort().join('-')));
    expect(pairs.size).to.equal(8);
  });

  it('reads the same ring from YAML with numbers and JSON with names and colon dpids', async () => {
    const y = await loadDescription(join(TOPOLOGY_DIR, 'ring4.yaml'));
    const j = await loadDescription(join(TOPOLOGY_DIR, 'ring4.json'));
    if (!y.ok || !j.ok) throw new Error('ring files must load');
    expect(j.description.switches.map((s) => s.dpid)).to.deep.equal(y.description.switches.map((s) => s.dpid));
    expect(j.description.switches[0]!.version).to.equal(0x01);
    expect(y.description.switches[0]!.version).to.equal(0x04);
    expect(j.description.links[3]).to.deep.equal({
      a: { switch: 's4', dpid: '0000000000000004', port: 's4-eth1' },
      b: { switch: 's1', dpid: '0000000000000001', port: 's1-eth2' },
    });
  });

  it('normalises datapath ids', () => {
    expect(normalizeDpid(1)).to.equal('0000000000000001');
    expect(normalizeDpid('0x1A')).to.equal('000000000000001a');
    expect(normalizeDpid('00:00:00:00:00:00:01:0b')).to.equal('000000000000010b');
    expect(normalizeDpid('12345678901234567')).to.equal(undefined);
    expect(normalizeDpid(-1)).to.equal(undefined);
    expect(normalizeDpid('s1')).to.equal(undefined);
  });

  it('finds a switch by name, 16 hex digits or the colon form, and nothing else', async () => {
    const fat = await loadDescription(join(TOPOLOGY_DIR, 'fattree.yaml'));
    if (!fat.ok) throw new Error('fattree must load');
    const d = fat.description;
    expect(findSwitch(d, 'a2')?.dpid).to.equal('0000000000000102');
    expect(findSwitch(d, '0000000000000101')?.name).to.equal('a1');
    expect(findSwitch(d, '00:00:00:00:00:00:01:01')?.name).to.equal('a1');
    expect(findSwitch(d, '101')).to.equal(undefined);
    expect(findSwitch(d, 'z9')).to.equal(undefined);
  });

  it('accepts OpenFlow versions in the usual spellings and defaults to 1.3', () => {
    const d = ok(`
switches:
  - {name: a, dpid: 1, role: edge, openflow: 1.0}
  - {name: b, dpid: 2, role: edge, openflow: OpenFlow13}
  - {name: c, dpid: 3, role: edge}
`);
    expect(d.switches.map((s) => s.version)).to.deep.equal([1, 4, 4]);
  });

  const cases: [string, string, string, string][] = [
    ['no switches', 'switches: []', 'switches', 'at least one'],
    ['a switch without dpid', 'switches: [{name: s1, role: edge}]', 'switches[0].dpid', 'datapath id'],
    ['a bad role', 'switches: [{name: s1, dpid: 1, role: spine}]', 'switches[0].role', 'role'],
    ['a bad version', 'switches: [{name: s1, dpid: 1, role: edge, openflow: "1.5"}]', 'switches[0].openflow', 'OpenFlow'],
    ['an unknown field', 'switches: [{name: s1, dpid: 1, role: edge, colour: red}]', 'switches[0].colour', 'unknown field'],
    ['a name used twice', 'switches: [{name: s1, dpid: 1, role: edge}, {name: s1, dpid: 2, role: edge}]', 'switches[1].name', 'twice'],
    ['a dpid used twice', 'switches: [{name: s1, dpid: 1, role: edge}, {name: s2, dpid: "00:00:00:00:00:00:00:01", role: edge}]', 'switches[1].dpid', 'twice'],
    ['a link to an unknown switch', two + 'links: [[s1:1, s9:1]]', 'links[0][1]', 's9'],
    ['a link end without a port', two + 'links: [[s1:1, "s2:"]]', 'links[0][1]', 'SWITCH:PORT'],
    ['a port number out of range', two + 'links: [[s1:0, s2:1]]', 'links[0][0]', 'out of range'],
    ['a port cabled twice', two + 'links: [[s1:1, s2:1], [s1:1, s2:2]]', 'links[1].a', 'already cabled'],
    ['a port joined to itself', two + 'links: [[s1:1, s1:1]]', 'links[0]', 'itself'],
    ['a link of three ends', two + 'links: [[s1:1, s2:1, s2:2]]', 'links[0]', 'pair'],
    ['a host on an unknown switch', two + 'hosts: [{name: h1, switch: s7}]', 'hosts[0].switch', 's7'],
    ['a host on a cabled port', two + 'links: [[s1:1, s2:1]]\nhosts: [{name: h1, switch: s1, port: 1}]', 'hosts[0].port', 'already used'],
    ['a host with a bad mac', two + 'hosts: [{name: h1, switch: s1, mac: "zz"}]', 'hosts[0].mac', 'mac'],
    ['links that are not a list', two + 'links: {a: b}', 'links', 'list'],
  ];
  for (const [what, text, field, words] of cases) {
    it(`refuses ${what}, naming ${field}`, () => {
      const e = err(text);
      expect(e.code).to.equal('INVALID');
      expect(e.field).to.equal(field);
      expect(e.message).to.contain(words);
    });
  }

  it('reports unreadable files and bad syntax as values', async () => {
    const missing = await loadDescription('/nonexistent/spotlight.yaml');
    expect(missing.ok ? '' : missing.error.code).to.equal('READ_FAILED');
    expect(err('switches: [').code).to.equal('PARSE_FAILED');
    const j = parseDescription('{"switches": ', 'json');
    expect(j.ok ? '' : j.error.code).to.equal('PARSE_FAILED');
  });
});

function snapshot(switches: [string, string[]][], links: Link[], disconnected: string[] = []): TopologySnapshot {
  const map = new Map<string, TopoSwitch>();
  for (const [dpid, names] of switches) {
    const ports = new Map<number, TopoPort>(names.map((name, i) => [i + 1, { portNo: i + 1, name, up: true }]));
    map.set(dpid, { dpid, connected: !disconnected.includes(dpid), ports });
  }
  return { version: 1, switches: map, links };
}

const D1 = '0000000000000001';
const D2 = '0000000000000002';
const D3 = '0000000000000003';
const end = (dpid: string, portNo: number) => ({ dpid, portNo });

describe('topo/cabling', () => {
  const desc = ok(`
switches:
  - {name: s1, dpid: 1, role: edge}
  - {name: s2, dpid: 2, role: aggregation}
  - {name: s3, dpid: 3, role: edge}
links:
  - [s1:1, s2:s2-eth1]
  - [s2:2, s3:1]
`);
  const sw: [string, string[]][] = [
    [D1, ['s1-eth1', 's1-eth2', 's1-eth3']],
    [D2, ['s2-eth1', 's2-eth2', 's2-eth3']],
    [D3, ['s3-eth1', 's3-eth2', 's3-eth3']],
  ];

  it('finds no difference when discovery matches, resolving port names', () => {
    const r = compareCabling(desc, snapshot(sw, [{ a: end(D1, 1), b: end(D2, 1) }, { a: end(D2, 2), b: end(D3, 1) }]));
    expect(r).to.deep.equal({ missing: [], unexpected: [], refused: [] });
    expect(cablingMatches(r)).to.equal(true);
  });

  it('reports a miscabled link as missing plus unexpected', () => {
    // s3's cable sits in s2 port 3 instead of port 2.
    const r = compareCabling(desc, snapshot(sw, [{ a: end(D1, 1), b: end(D2, 1) }, { a: end(D2, 3), b: end(D3, 1) }]));
    expect(r.missing.map((m) => [m.link.a.switch, m.link.a.port, m.reason])).to.deep.equal([['s2', 2, 'not-discovered']]);
    expect(r.unexpected).to.deep.equal([{ a: end(D2, 3), b: end(D3, 1) }]);
    expect(cablingMatches(r)).to.equal(false);
  });

  it('says why a described link is missing', () => {
    const r = compareCabling(desc, snapshot([[D1, ['s1-eth1']], [D2, ['x', 'y']], [D3, ['s3-eth1']]], [], [D3]));
    expect(r.missing.map((m) => m.reason)).to.deep.equal(['port-unknown', 'switch-disconnected']);
  });

  it('reports links of undescribed switches as unexpected', () => {
    const D9 = '0000000000000009';
    const r = compareCabling(desc, snapshot([...sw, [D9, ['a']]], [{ a: end(D1, 1), b: end(D2, 1) }, { a: end(D2, 2), b: end(D3, 1) }, { a: end(D3, 3), b: end(D9, 1) }]));
    expect(r.missing).to.deep.equal([]);
    expect(r.unexpected).to.deep.equal([{ a: end(D3, 3), b: end(D9, 1) }]);
  });

  it('tells fabric from access ports of described switches only', () => {
    expect(describedPortKind(desc, D2, 1, 's2-eth1')).to.equal('fabric');
    expect(describedPortKind(desc, D2, 7, 's2-eth1')).to.equal('fabric');
    expect(describedPortKind(desc, D2, 3, 's2-eth3')).to.equal('access');
    expect(describedPortKind(desc, D1, 1, 'whatever')).to.equal('fabric');
    expect(describedPortKind(desc, '00000000000000ff', 1, 'p1')).to.equal(undefined);
  });
});
