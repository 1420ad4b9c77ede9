// Encode and decode rates of a typical OF1.3 FLOW_MOD and PACKET_IN, beside
// peers measured in the same run (a Buffer copy of the same bytes, and
// JSON.stringify/parse of the same object), as ratios. Run: npx tsx bench/codec.ts
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { decodeMessage, encodeMessage, peekHeader, type OfpMessage } from '../src/openflow/index.js';

const ITER = Number(process.env.BENCH_ITER ?? 1_000_000);

const flowMod: OfpMessage = {
  version: 4, xid: 1, type: 'flowMod', cookie: 0x5000000000000001n, cookieMask: 0n, tableId: 0, command: 'add',
  idleTimeout: 0, hardTimeout: 0, priority: 1000, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: { sendFlowRem: true },
  match: { inPort: 3, ethSrc: '52:54:00:12:34:56', ethType: 0x0800, ipv4Src: '10.1.0.5' },
  instructions: [
    { type: 'applyActions', actions: [{ type: 'setField', field: 'ethDst', value: '52:54:00:ab:cd:ef' }, { type: 'output', port: 7 }] },
    { type: 'gotoTable', tableId: 1 },
  ],
};
const arp = new Uint8Array(Buffer.from('ffffffffffff525400123456080600010800060400015254001234560a0100050000000000000a010001' + '00'.repeat(18), 'hex'));
const packetIn: OfpMessage = {
  version: 4, xid: 0, type: 'packetIn', bufferId: 0xffffffff, totalLen: 60, reason: 0, tableId: 0, cookie: 0n,
  match: { inPort: 3 }, inPort: 3, data: arp,
};

const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v);

/**
 * Messages per second of wall time, and per second of this process's CPU
 * time: on a shared machine the second is what the code itself costs.
 * Ratios use CPU time.
 */
function rate(label: string, fn: () => unknown): number {
  for (let i = 0; i < Math.min(ITER, 200_000); i++) fn(); // warm up
  let sink: unknown;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ITER; i++) sink = fn();
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  if (sink === undefined) throw new Error('no result');
  const wall = ITER / secs;
  const r = ITER / cpuSecs;
  console.log(`  ${label.padEnd(40)} ${(r / 1e6).toFixed(2).padStart(7)} M msg/s CPU  ${(wall / 1e6).toFixed(2).padStart(7)} M msg/s wall`);
  return r;
}

console.log(`Spotlight OpenFlow codec benchmark`);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${ITER} iterations per figure`);
for (const [name, msg] of [['OF1.3 FLOW_MOD', flowMod], ['OF1.3 PACKET_IN (60-byte ARP)', packetIn]] as const) {
  const bytes = encodeMessage(msg);
  const json = JSON.stringify(msg, replacer);
  console.log(`\n${name}: ${bytes.length} bytes on the wire`);
  const enc = rate('encodeMessage', () => encodeMessage(msg));
  const dec = rate('decodeMessage (full objects)', () => decodeMessage(bytes));
  const peek = rate('peekHeader (header only)', () => peekHeader(bytes));
  const copy = rate('peer: Buffer.from(bytes) copy', () => Buffer.from(bytes));
  const str = rate('peer: JSON.stringify(message)', () => JSON.stringify(msg, replacer));
  const parse = rate('peer: JSON.parse(json of message)', () => JSON.parse(json));
  console.log(`  ratios: encode/copy ${(enc / copy).toFixed(2)}, encode/JSON.stringify ${(enc / str).toFixed(2)}, decode/JSON.parse ${(dec / parse).toFixed(2)}, decode/copy ${(dec / copy).toFixed(2)}, peek/copy ${(peek / copy).toFixed(2)}`);
  if (name.includes('FLOW_MOD')) {
    console.log(`  targets: encode >= 2.00 M/s: ${enc >= 2e6 ? 'met' : 'NOT met'} (${(enc / 1e6).toFixed(2)}); decode >= 5.00 M/s: ${dec >= 5e6 ? 'met' : 'NOT met'} (${(dec / 1e6).toFixed(2)})`);
  }
}
