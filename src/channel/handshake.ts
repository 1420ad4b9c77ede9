// What follows version negotiation: FEATURES for the datapath id, SET_CONFIG,
// the port list (OF1.3: port-desc multipart; OF1.0: in FEATURES_REPLY), the
// switch description and (OF1.3) its group features. The barrier at the end
// confirms SET_CONFIG was taken (an ERROR for it would arrive before the
// barrier's reply); a switch answers in order, so a group-features reply
// that has not come by then is not coming.
import { OFP10_VERSION, type OfVersion } from '../openflow/wire-values.js';
import { type FeaturesReply, type OfpMessage } from '../openflow/message-model.js';
import { type GroupFeatures, type PortDesc, type SwitchDesc } from '../openflow/stats-model.js';
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
  /** OF1.3: the group features, or why there are none (refused, not answered); OF1.0: undefined. */
  groups: GroupsRead | undefined;
}

export type GroupsRead = { ok: true; features: GroupFeatures } | { ok: false; reason: string };

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
  // Not fatal: a switch without groups is still a switch (the compiler then uses none).
  let groups: GroupsRead | undefined;
  if (io.version !== OFP10_VERSION) {
    groups = { ok: false, reason: 'no reply before the barrier' };
    io.request({ type: 'multipartRequest', more: false, body: { kind: 'groupFeatures' } }).then(
      (r) => {
        groups = r.type === 'multipartReply' && r.body.kind === 'groupFeatures' ? { ok: true, features: groupFeaturesOf(r.body) } : { ok: false, reason: `answered ${r.type}` };
      },
      (e: unknown) => {
        groups = { ok: false, reason: e instanceof Error ? e.message : String(e) };
      },
    );
  }
  const barrierP = io.barrier();
  const [ports, desc, barrier] = await Promise.all([portsP, descP, barrierP]);
  // The reply (or ERROR) came before the barrier's; its handler has run once the turn is over.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return { features, ports, desc, configErrors: barrier.errors, groups };
}

function groupFeaturesOf(b: GroupFeatures): GroupFeatures {
  return { types: b.types, capabilities: b.capabilities, maxGroups: b.maxGroups, actions: b.actions };
}
