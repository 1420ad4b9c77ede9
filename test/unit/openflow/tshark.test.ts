// Wireshark's OpenFlow dissectors (tshark) as a third independent reader: our
// encodings of every sample, wrapped in TCP segments to port 6653 in a pcap,
// must raise no malformed or error-level expert flag.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage } from '../../../src/openflow/index.js';
import { pcapFile } from '../../support/pcap.js';
import { samples10, samples13, type Sample } from './samples.js';

function haveTshark(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A pcap (Ethernet) with one TCP segment per message, seq numbers in order. */
function pcap(messages: Uint8Array[]): Buffer {
  let seq = 1000;
  const frames = messages.map((m, i) => {
    const eth = Buffer.from('02000000000102000000000208004500', 'hex');
    const ip = Buffer.alloc(18);
    const total = 20 + 20 + m.length;
    ip.writeUInt16BE(total, 0);
    ip.writeUInt16BE(i, 2);
    ip.writeUInt16BE(0x4000, 4);
    ip[6] = 64;
    ip[7] = 6;
    Buffer.from([127, 0, 0, 1, 127, 0, 0, 1]).copy(ip, 10);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(40000, 0);
    tcp.writeUInt16BE(6653, 2);
    tcp.writeUInt32BE(seq, 4);
    tcp.writeUInt32BE(1, 8);
    tcp[12] = 0x50;
    tcp[13] = 0x18;
    tcp.writeUInt16BE(65535, 14);
    seq += m.length;
    return Buffer.concat([eth, ip, tcp, Buffer.from(m)]);
  });
  return pcapFile(frames);
}

/**
 * tshark 4.0 flags these valid messages: OF1.0 flow-mods with no actions and
 * packet-outs with no actions (ovs-ofctl ofp-print reads both cleanly), and an OF1.3
 * experimenter meter band with no body beyond its 16 bytes (spec size 16).
 */
function knownFalsePositive(s: Sample): boolean {
  const m = s.msg;
  if (m.type === 'meterMod') return m.bands.some((b) => b.type === 'experimenter');
  if (m.version !== 1) return false;
  if (m.type === 'flowMod') return m.instructions.length === 0 || m.instructions.every((i) => i.type === 'applyActions' && i.actions.length === 0);
  if (m.type === 'packetOut') return m.actions.length === 0;
  return false;
}

describe('openflow encodings read by tshark', function () {
  this.timeout(60_000);
  for (const [label, list] of [['OF1.0', samples10], ['OF1.3', samples13]] as const) {
    it(`${label}: no malformed frames`, function () {
      if (!haveTshark()) this.skip();
      const chosen = list.filter((s) => !knownFalsePositive(s));
      const dir = mkdtempSync(join(tmpdir(), 'spotlight-of-'));
      try {
        const file = join(dir, 'of.pcap');
        writeFileSync(file, pcap(chosen.map((s) => encodeMessage(s.msg))));
        const all = spawnSync('tshark', ['-r', file, '-d', 'tcp.port==6653,openflow', '-T', 'fields', '-e', 'frame.number', '-e', 'openflow_1_0.type', '-e', 'openflow_v4.type', '-Y', 'openflow_v1 || openflow_v4'], { encoding: 'utf8' });
        expect(all.status).to.equal(0);
        expect(all.stdout.trim().split('\n').length).to.equal(chosen.length);
        const bad = spawnSync('tshark', ['-r', file, '-d', 'tcp.port==6653,openflow', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message', '-Y', '_ws.malformed || _ws.expert.severity == error'], { encoding: 'utf8' });
        const lines = bad.stdout.trim() ? bad.stdout.trim().split('\n') : [];
        const named = lines.map((l) => `${chosen[Number(l.split('\t')[0]) - 1]?.name}: ${l}`);
        expect(named).to.deep.equal([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
