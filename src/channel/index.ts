export { sendBundle, OFPBF_ATOMIC, OFPBF_ORDERED, type BundleOptions, type BundleResult } from './bundle.js';
export { SwitchConnection } from './connection.js';
export type { BarrierResult, ConnectionState, SendResult } from './connection-types.js';
export { ChannelError, type ChannelErrorCode, type DisconnectReason, type SwitchErrorInfo } from './errors.js';
export { type Unsent } from './message.js';
export { negotiateVersion } from './negotiate.js';
export { requestRole, roleErrorOf, type RoleError, type RoleOutcome, type RoleRefusal } from './role.js';
export { DEFAULT_LIMITS, type ConnectionLimits } from './options.js';
export {
  OpenFlowServer,
  type ServerEvents,
  type ServerOptions,
  type SwitchConnectedEvent,
  type SwitchDisconnectedEvent,
  type SwitchErrorEvent,
  type SessionRefusedEvent,
  type SwitchMessageEvent,
} from './server.js';
export { type TlsSettings } from './tls.js';
export { REFUSAL_REASONS, type RefusalReason } from './admission.js';
export { type CertificateDpids } from './identity.js';
