// What follows version negotiation: FEATURES for the datapath id, SET_CONFIG,
// the port list (OF1.3: port-desc multipart; OF1.0: in FEATURES_REPLY) and the
// switch description. The barrier at the end confirms SET_CONFIG was taken
// (an ERROR for it would arrive before the barrier's reply).
import { OFP10_VERSION, type OfVersion } from '../openflow/wire-values.js';
import { type FeaturesReply, type OfpMessage } from '../openflow/message-model.js';
import { type PortDesc, type SwitchDesc } from '../openflow/stats-model.js';
import type { SwitchErrorInfo } from './errors.js';
import type { Unsent } from './message.js';

export interface HandshakeIO {
  version: OfVersion;
  missSendLen: number;
  request(msg: Unsent): Promise<OfpMessage>;
  barrier(): Promise<{ errors: SwitchErrorInfo[] }>;
  send(msg: Unsent): void;
}

export interface HandshakeResult {
  features: FeaturesReply;
  ports: PortDesc[];
  desc: SwitchDesc;
  /** Errors the switch raised for SET_CONFIG (logged, not fatal). */
  configErrors: SwitchErrorInfo[];
}

export class HandshakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandshakeError';
  }
}

export async function runHandshake(io: HandshakeIO): Promise<HandshakeResult> {
  const features = await io.request({ type: 'featuresRequest' });
  if (features.type !== 'featuresReply') throw new HandshakeError(`expected FEATURES_REPLY, got ${features.type}`);

  // OFPC_FRAG_NORMAL: no special fragment handling.
  io.send({ type: 'setConfig', flags: 0, missSendLen: io.missSendLen });
  const portsP: Promise<PortDesc[]> =
    io.version === OFP10_VERSION
      ? Promise.resolve(features.ports)
      : io.request({ type: 'multipartRequest', more: false, body: { kind: 'portDesc' } }).then((r) => {
          if (r.type !== 'multipartReply' || r.body.kind !== 'portDesc') throw new HandshakeError(`expected port-desc reply, got ${r.type}`);
          return r.body.ports;
        });
  const descP = io.request({ type: 'multipartRequest', more: false, body: { kind: 'desc' } }).then((r) => {
    if (r.type !== 'multipartReply' || r.body.kind !== 'desc') throw new HandshakeError(`expected desc reply, got ${r.type}`);
    return r.body.desc;
  });
  const barrierP = io.barrier();
  const [ports, desc, barrier] = await Promise.all([portsP, descP, barrierP]);
  return { features, ports, desc, configErrors: barrier.errors };
}
