import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildProbe, parseProbe, isLldp } from '../../../src/topo/lldp.js';

const secret = Buffer.from('spotlight-test-secret');
const base = { dpid: '00000000000000a1', portNo: 7, timestamp: 1_700_000_000_123, secret };

/** The expected frame, written out from 802.1AB by hand (not with the builder). */
function handMadeProbe(dpid: string, portNo: number, ts: number, key: Buffer): Buffer {
  const signed = Buffer.alloc(20);
  signed.writeBigUInt64BE(BigInt('0x' + dpid), 0);
  signed.writeUInt32BE(portNo, 8);
  signed.writeBigUInt64BE(BigInt(ts), 12);
  const hmac = createHmac('sha256', key).update(signed).digest('hex');
  const chassis = Buffer.from('dpid:' + dpid).toString('hex');
  const port = Buffer.from(String(portNo)).toString('hex');
  const tsHex = BigInt(ts).toString(16).padStart(16, '0');
  const hex =
    '0180c200000e' + '020000000001' + '88cc' +
    // type 1, length 1 + 21
    '0216' + '07' + chassis +
    // type 2 (0x04 << 8), length 1 + digits
    '04' + (1 + port.length / 2).toString(16).padStart(2, '0') + '07' + port +
    // type 3, length 2, 120 s
    '0602' + '0078' +
    // type 127 (0xfe00), length 45: CID 0a5c07, subtype 1, format 1, timestamp, HMAC
    'fe2d' + '0a5c07' + '01' + '01' + tsHex + hmac +
    '0000';
  return Buffer.from(hex, 'hex');
}

describe('topo/lldp', () => {
  it('builds the frame that 802.1AB and the signing rule describe', () => {
    const frame = buildProbe(base);
    expect(frame.toString('hex')).to.equal(handMadeProbe(base.dpid, base.portNo, base.timestamp, secret).toString('hex'));
    expect(isLldp(frame)).to.equal(true);
  });

  it('round-trips any datapath id, port and timestamp', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (d, portNo, timestamp) => {
          const dpid = d.toString(16).padStart(16, '0');
          const r = parseProbe(buildProbe({ dpid, portNo, timestamp, secret }), secret);
          expect(r).to.deep.equal({ ok: true, probe: { dpid, portNo, timestamp } });
        },
      ),
    );
  });

  it('is read by tshark as LLDP with our chassis id, port id, TTL and CID', function () {
    const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'spotlight-lldp-'));
    try {
      const frame = buildProbe(base);
      const global = Buffer.alloc(24);
      global.writeUInt32LE(0xa1b2c3d4, 0);
      global.writeUInt16LE(2, 4);
      global.writeUInt16LE(4, 6);
      global.writeUInt32LE(65535, 16);
      global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(frame.length, 8);
      rec.writeUInt32LE(frame.length, 12);
      const file = join(dir, 'probe.pcap');
      writeFileSync(file, Buffer.concat([global, rec, frame]));
      const out = spawnSync(
        'tshark',
        ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'eth.dst', '-e', 'lldp.chassis.subtype', '-e', 'lldp.chassis.id',
          '-e', 'lldp.port.id', '-e', 'lldp.time_to_live', '-e', 'lldp.orgtlv.oui', '-e', '_ws.malformed'],
        { encoding: 'utf8' },
      );
      expect(out.status).to.equal(0);
      const [dst, subtype, chassis, port, ttl, oui, malformed] = out.stdout.trim().split('|');
      expect(dst).to.equal('01:80:c2:00:00:0e');
      expect(subtype).to.equal('7');
      expect(Buffer.from(chassis!, 'hex').toString()).to.equal('dpid:00000000000000a1');
      expect(port).to.equal('7');
      expect(ttl).to.equal('120');
      expect(Number(oui)).to.equal(0x0a5c07);
      expect(malformed).to.equal('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a probe signed with another key, or with any signed byte changed', () => {
    const frame = buildProbe(base);
    const other = parseProbe(frame, Buffer.from('another secret'));
    expect(other.ok).to.equal(false);
    if (!other.ok) expect(other.error.code).to.equal('BAD_SIGNATURE');
    // Timestamp (8 bytes) and HMAC (32 bytes) sit just before the end TLV.
    for (let i = frame.length - 2 - 40; i < frame.length - 2; i++) {
      const bad = Buffer.from(frame);
      bad[i]! ^= 0x01;
      const r = parseProbe(bad, secret);
      expect(r.ok, `byte ${i}`).to.equal(false);
      // A high timestamp byte can push it past 2^53, which is refused before the signature.
      if (!r.ok) expect(r.error.code).to.be.oneOf(['BAD_SIGNATURE', 'BAD_TLV']);
    }
  });

  it('refuses a probe whose port id was changed (it is signed)', () => {
    const frame = handMadeProbe(base.dpid, 8, base.timestamp, secret);
    // Re-sign nothing: take the port-7 signature with the port-8 header.
    const genuine = buildProbe(base);
    frame.set(genuine.subarray(frame.length - 34, frame.length - 2), frame.length - 34);
    const r = parseProbe(frame, secret);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.error.code).to.equal('BAD_SIGNATURE');
  });

  it('turns every truncation into an error value', () => {
    const frame = buildProbe(base);
    for (let n = 0; n < frame.length - 2; n++) {
      const r = parseProbe(frame.subarray(0, n), secret);
      expect(r.ok, `length ${n}`).to.equal(false);
    }
  });

  it('names what is wrong with foreign or broken frames', () => {
    const frame = buildProbe(base);
    const ipv4 = Buffer.from(frame);
    ipv4.writeUInt16BE(0x0800, 12);
    const codes = (f: Uint8Array) => {
      const r = parseProbe(f, secret);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(codes(ipv4)).to.equal('NOT_LLDP');
    expect(codes(Buffer.alloc(5))).to.equal('TRUNCATED');
    // Chassis TLV claiming 0x1ff bytes.
    const long = Buffer.from(frame);
    long.writeUInt16BE((1 << 9) | 0x1ff, 14);
    expect(codes(long)).to.equal('TRUNCATED');
    // A plain LLDP frame from a host agent: MAC chassis id, no signed TLV.
    const plain = Buffer.from('0180c200000e00112233445588cc020704001122334455040307657430060200780000', 'hex');
    expect(codes(plain)).to.equal('NOT_SPOTLIGHT');
    // Spotlight's chassis and port, but the signed TLV removed.
    const unsigned = Buffer.concat([frame.subarray(0, frame.length - 49), Buffer.from('0000', 'hex')]);
    expect(codes(unsigned)).to.equal('NOT_SPOTLIGHT');
    // TTL first instead of chassis id.
    const order = Buffer.from('0180c200000e00112233445588cc060200780000', 'hex');
    expect(codes(order)).to.equal('MISSING_TLV');
    // Non-printable chassis text.
    const binary = handMadeProbe(base.dpid, 7, base.timestamp, secret);
    binary[14 + 2 + 1] = 0x00;
    expect(codes(binary)).to.equal('NOT_SPOTLIGHT');
  });

  it('never throws on arbitrary bytes after an LLDP header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
        const f = Buffer.concat([Buffer.from('0180c200000e02000000000188cc', 'hex'), tail]);
        const r = parseProbe(f, secret);
        expect(r.ok).to.equal(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutations of a genuine probe', () => {
    const frame = buildProbe(base);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: frame.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, v) => {
        const f = Buffer.from(frame);
        f[i] = v;
        parseProbe(f, secret);
      }),
      { numRuns: 3000 },
    );
  });
});
