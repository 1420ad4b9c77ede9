// A scripted OpenFlow switch over real TCP on loopback, built on the codec: it
// answers the handshake like Open vSwitch does and records what it received.
// Each behaviour can be overridden per test through `handler`.
import net from 'node:net';
import tls from 'node:tls';
import { FrameReader, decodeMessage, encodeMessage } from '../../../../src/openflow/index.js';
import type { FlowStats, GroupFeatures, PortDesc, SwitchDesc } from '../../../../src/openflow/stats-model.js';
import type { OfpMessage } from '../../../../src/openflow/message-model.js';
import type { OfVersion } from '../../../../src/openflow/wire-values.js';

export interface FakeSwitchOptions {
  port: number;
  host?: string;
  datapathId?: bigint;
  /** Header version of our HELLO. */
  helloVersion?: number;
  /** Version bitmap in our HELLO; undefined sends a plain HELLO. */
  bitmap?: number[] | undefined;
  ports?: PortDesc[];
  /** Split port-desc and flow-stats replies into this many parts (REPLY_MORE). */
  parts?: number;
  answerEcho?: boolean;
  /** Raw bytes sent instead of a HELLO. */
  rawHello?: Uint8Array;
  /** TLS client settings; the switch then connects with TLS. */
  tls?: tls.ConnectionOptions;
  /** The OFPMP_GROUP_FEATURES answer: these features (by default Open vSwitch's), an OFPBRC_BAD_MULTIPART error, or none at all. */
  groupFeatures?: GroupFeatures | 'refuse' | 'ignore';
  /** Return true when the message was handled by the test. */
  handler?: (msg: OfpMessage, sw: FakeSwitch) => boolean;
}

/** What Open vSwitch 3.1 answers (ovs-ofctl dump-group-features): all four types, OFPG_MAX of each. */
export const OVS_GROUP_FEATURES: GroupFeatures = { types: 0xf, capabilities: 0x7, maxGroups: [0xffffff00, 0xffffff00, 0xffffff00, 0xffffff00], actions: [0x3ff8001, 0x3ff8001, 0x3ff8001, 0x3ff8001] };

export const DESC: SwitchDesc = { mfrDesc: 'Spotlight test', hwDesc: 'fake', swDesc: '1.0', serialNum: 'none', dpDesc: 'fake switch' };

export function port(portNo: number, name: string): PortDesc {
  const hex = (portNo & 0xff).toString(16).padStart(2, '0');
  return {
    portNo,
    hwAddr: `02:00:00:00:00:${hex}`,
    name,
    config: 0,
    state: 0,
    curr: 0,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 0,
    maxSpeed: 0,
  };
}

export function flowStat(priority: number): FlowStats {
  return {
    tableId: 0,
    durationSec: 1,
    durationNsec: 0,
    priority,
    idleTimeout: 0,
    hardTimeout: 0,
    flags: {},
    cookie: BigInt(priority),
    packetCount: 0n,
    byteCount: 0n,
    match: { inPort: 1 },
    instructions: [],
  };
}

export class FakeSwitch {
  readonly socket: net.Socket;
  readonly received: OfpMessage[] = [];
  readonly undecodable: Uint8Array[] = [];
  version: OfVersion = 4;
  flows: FlowStats[] = [];
  closed = false;
  readonly whenClosed: Promise<void>;
  private readonly reader = new FrameReader();
  private waiters: { pred: (m: OfpMessage) => boolean; resolve: (m: OfpMessage) => void }[] = [];

  constructor(readonly opts: FakeSwitchOptions) {
    const host = opts.host ?? '127.0.0.1';
    this.socket = opts.tls ? tls.connect({ ...opts.tls, port: opts.port, host }) : net.connect(opts.port, host);
    const connectEvent = opts.tls ? 'secureConnect' : 'connect';
    this.socket.setNoDelay(true);
    this.whenClosed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
    this.socket.on('error', () => undefined);
    this.socket.on(connectEvent, () => {
      if (opts.rawHello) return void this.socket.write(opts.rawHello);
      const hv = opts.helloVersion ?? 4;
      this.version = (hv >= 4 ? 4 : 1) as OfVersion;
      const hello = { type: 'hello', version: hv as OfVersion, xid: 1, ...(opts.bitmap ? { versions: opts.bitmap } : {}) } as OfpMessage;
      this.socket.write(encodeMessage(hello));
    });
    this.socket.on('data', (chunk: Buffer) => {
      const { frames } = this.reader.push(chunk);
      for (const f of frames) {
        const r = decodeMessage(f);
        if (!r.ok) {
          this.undecodable.push(f);
          continue;
        }
        this.onMessage(r.message);
      }
    });
  }

  static async connect(opts: FakeSwitchOptions): Promise<FakeSwitch> {
    const sw = new FakeSwitch(opts);
    await new Promise<void>((resolve, reject) => {
      sw.socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve());
      sw.socket.once('error', reject);
    });
    return sw;
  }

  send(msg: OfpMessage): void {
    this.socket.write(encodeMessage(msg));
  }

  /** Resolves with the first received message (past or future) matching `pred`. */
  waitFor(pred: (m: OfpMessage) => boolean, timeoutMs = 3000): Promise<OfpMessage> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('fake switch: timed out waiting for a message')), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onMessage(msg: OfpMessage): void {
    this.received.push(msg);
    for (const w of [...this.waiters]) {
      if (w.pred(msg)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    }
    if (msg.type === 'hello') {
      this.version = msg.version;
      return;
    }
    if (this.opts.handler?.(msg, this)) return;
    this.respond(msg);
  }

  private respond(msg: OfpMessage): void {
    const v = msg.version;
    const xid = msg.xid;
    const ports = this.opts.ports ?? [port(1, 'eth1'), port(2, 'eth2')];
    switch (msg.type) {
      case 'echoRequest':
        if (this.opts.answerEcho !== false) this.send({ type: 'echoReply', version: v, xid, data: msg.data });
        return;
      case 'featuresRequest':
        this.send({
          type: 'featuresReply',
          version: v,
          xid,
          datapathId: this.opts.datapathId ?? 1n,
          nBuffers: 0,
          nTables: 254,
          auxiliaryId: 0,
          capabilities: 0x47,
          actions: v === 1 ? 0xfff : 0,
          ports: v === 1 ? ports : [],
        });
        return;
      case 'bundleControl': {
        const reply = { openRequest: 'openReply', commitRequest: 'commitReply', closeRequest: 'closeReply', discardRequest: 'discardReply' } as const;
        const ctrlType = reply[msg.ctrlType as keyof typeof reply];
        if (ctrlType) this.send({ type: 'bundleControl', version: v, xid, bundleId: msg.bundleId, ctrlType, flags: msg.flags });
        return;
      }
      case 'barrierRequest':
        this.send({ type: 'barrierReply', version: v, xid });
        return;
      case 'multipartRequest': {
        const body = msg.body;
        if (body.kind === 'desc') {
          this.send({ type: 'multipartReply', version: v, xid, more: false, body: { kind: 'desc', desc: DESC } });
        } else if (body.kind === 'portDesc') {
          for (const [i, chunk] of split(ports, this.opts.parts ?? 1).entries()) {
            const more = i < (this.opts.parts ?? 1) - 1;
            this.send({ type: 'multipartReply', version: v, xid, more, body: { kind: 'portDesc', ports: chunk } });
          }
        } else if (body.kind === 'flow') {
          const n = this.opts.parts ?? 1;
          for (const [i, chunk] of split(this.flows, n).entries()) {
            this.send({ type: 'multipartReply', version: v, xid, more: i < n - 1, body: { kind: 'flow', flows: chunk } });
          }
        } else if (body.kind === 'groupDesc') {
          this.send({ type: 'multipartReply', version: v, xid, more: false, body: { kind: 'groupDesc', groups: [] } });
        } else if (body.kind === 'groupFeatures' && this.opts.groupFeatures !== 'refuse') {
          const f = this.opts.groupFeatures ?? OVS_GROUP_FEATURES;
          if (f !== 'ignore') this.send({ type: 'multipartReply', version: v, xid, more: false, body: { kind: 'groupFeatures', ...f } });
        } else if (body.kind === 'meterConfig') {
          this.send({ type: 'multipartReply', version: v, xid, more: false, body: { kind: 'meterConfig', meters: [] } });
        } else {
          // OFPET_BAD_REQUEST / OFPBRC_BAD_MULTIPART, as a switch answers a request it does not serve.
          this.send({ type: 'error', version: v, xid, errType: 1, code: 2, data: new Uint8Array(0) });
        }
        return;
      }
      default:
    }
  }
}

function split<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(items.length / n);
  for (let i = 0; i < n; i++) out.push(items.slice(i * size, (i + 1) * size));
  return out;
}
