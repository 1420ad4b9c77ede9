// Controller roles on one switch connection. The master asks for its role with
// a generation id (OF1.3 ROLE_REQUEST); a switch refuses a master or slave
// request whose id is older than the newest it has seen (OFPRRFC_STALE), which
// is what fences a deposed master. OF1.0 has Open vSwitch's Nicira role
// request, which carries no generation id: there the switch only keeps one
// master at a time, and the controller's own lease check is the fence.
import type { ControllerRole } from '../openflow/message-model.js';
import { OFP13_VERSION, OFPBRC_EPERM, OFPBRC_IS_SLAVE, OFPET13_ROLE_REQUEST_FAILED, OFPET_BAD_REQUEST, OFPRRFC_BAD_ROLE, OFPRRFC_STALE, type OfVersion } from '../openflow/wire-values.js';
import { ChannelError } from './errors.js';
import type { SwitchConnection } from './connection.js';

/** Nicira's bad role code on OF1.0 (NXBRC_BAD_ROLE, vendor error 513 of OFPET_BAD_REQUEST). */
const NXBRC_BAD_ROLE = 513;

export type RoleRefusal = 'stale' | 'unsupported' | 'badRole';
/** What a switch ERROR says about our role: our request was stale, or we wrote while not master. */
export type RoleError = 'stale' | 'notMaster';

export type RoleOutcome =
  | { ok: true; role: ControllerRole; generationId: bigint }
  | { ok: false; reason: RoleRefusal | 'disconnected' | 'timeout'; detail: string };

type Conn = Pick<SwitchConnection, 'version' | 'request'>;

/** Classifies a switch ERROR as a role error, or undefined. */
export function roleErrorOf(version: OfVersion, errType: number, code: number): RoleError | undefined {
  if (version === OFP13_VERSION) {
    if (errType === OFPET13_ROLE_REQUEST_FAILED && code === OFPRRFC_STALE) return 'stale';
    if (errType === OFPET_BAD_REQUEST && code === OFPBRC_IS_SLAVE) return 'notMaster';
    return undefined;
  }
  if (errType === OFPET_BAD_REQUEST && code === OFPBRC_EPERM) return 'notMaster';
  return undefined;
}

/**
 * Asks the switch for `role`. On OF1.3 the request carries `generationId`; on
 * OF1.0 (Nicira) it cannot, and the id is dropped. Resolves with the role the
 * switch confirmed, or why it refused; never rejects.
 */
export async function requestRole(conn: Conn, role: 'master' | 'slave' | 'equal', generationId: bigint, timeoutMs?: number): Promise<RoleOutcome> {
  const of13 = conn.version === OFP13_VERSION;
  try {
    const reply = await conn.request({ type: 'roleRequest', role, generationId: of13 ? generationId : 0n }, timeoutMs);
    if (reply.type !== 'roleReply') return { ok: false, reason: 'unsupported', detail: `answered with ${reply.type}` };
    return { ok: true, role: reply.role, generationId: reply.generationId };
  } catch (err) {
    if (!(err instanceof ChannelError)) throw err;
    if (err.code === 'SWITCH_ERROR' && err.switchError) {
      const { errType, code } = err.switchError;
      const detail = `error type ${errType} code ${code}`;
      if (errType === OFPET13_ROLE_REQUEST_FAILED) {
        return { ok: false, reason: code === OFPRRFC_STALE ? 'stale' : code === OFPRRFC_BAD_ROLE ? 'badRole' : 'unsupported', detail };
      }
      return { ok: false, reason: code === NXBRC_BAD_ROLE ? 'badRole' : 'unsupported', detail };
    }
    return { ok: false, reason: err.code === 'REQUEST_TIMEOUT' ? 'timeout' : 'disconnected', detail: err.message };
  }
}
