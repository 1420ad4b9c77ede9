// This instance's role on each connected switch, driven by the election: the
// leader asks every switch for MASTER with its generation id, the others ask
// for SLAVE with the leader's id (so the switch's newest id is never ours to
// lower). A switch is written to only once it confirmed MASTER at the current
// generation and while the lease holds (`mayWrite`). A stale refusal, a
// slave error on a flow-mod or a role status saying another controller is
// master means this instance was deposed: it steps down at once.
//
// What each switch last said of this instance's role (its ROLE_REPLY, or a
// ROLE_STATUS making another controller master) is kept per switch with the
// generation id it carried: GET /v1/cluster shows it, metrics count changes.
import { EventEmitter } from 'node:events';
import type { RoleError, SwitchConnection } from '../channel/index.js';
import { requestRole } from '../channel/index.js';
import type { Logger } from '../log.js';
import type { RoleStatus } from '../openflow/message-model.js';
import type { Election } from './election.js';

type Conn = Pick<SwitchConnection, 'dpid' | 'version' | 'request' | 'barrier' | 'on' | 'off'>;

export interface SwitchRolesOptions {
  election: Election;
  logger: Logger;
  /** The switch confirmed this instance as master (and a barrier after it): reconcile it now. */
  onMaster: (dpid: string) => void;
}

/** A role as a switch stated it. */
export interface SwitchStatedRole {
  role: 'master' | 'slave';
  /**
   * The leadership it holds under: the generation id the confirmed request
   * carried (OF1.0's Nicira request carries none, the election's is kept
   * alike), or the one of a ROLE_STATUS naming another master.
   */
  generationId: bigint;
}

export interface SwitchRolesEvents {
  /** A switch confirmed a role for this instance; `previous` is what it said before (undefined: nothing since the session began). */
  role: [dpid: string, role: 'master' | 'slave', previous: 'master' | 'slave' | undefined];
  /** The switch's session ended here. */
  detached: [dpid: string];
}

interface Attached {
  conn: Conn;
  /** The generation at which the switch confirmed this instance as master. */
  masterAt: bigint | undefined;
  onStatus: (m: RoleStatus) => void;
  /** Bumped on every role request, so a late answer to an older one is ignored. */
  seq: number;
  /** What the switch last said of this instance's role. */
  stated: SwitchStatedRole | undefined;
}

export class SwitchRoles extends EventEmitter<SwitchRolesEvents> {
  private readonly switches = new Map<string, Attached>();
  private readonly log: Logger;
  /** Role requests refused as stale, and changes of the role switches state. */
  staleRefusals = 0;
  roleChanges = 0;

  constructor(private readonly opts: SwitchRolesOptions) {
    super();
    this.log = opts.logger.child({ component: 'roles' });
    opts.election.on('leader', () => this.assertAll());
    opts.election.on('follower', () => this.assertAll());
    opts.election.on('changed', () => this.assertAll());
  }

  /** Whether flow-mods may go to this switch now. */
  mayWrite(dpid: string): boolean {
    const gen = this.opts.election.generationId;
    return gen !== undefined && this.switches.get(dpid)?.masterAt === gen;
  }

  /** The role this instance holds on the switch, as the switch last confirmed it. */
  roleOf(dpid: string): 'master' | 'slave' | undefined {
    const a = this.switches.get(dpid);
    if (!a) return undefined;
    return a.masterAt !== undefined && a.masterAt === this.opts.election.generationId ? 'master' : 'slave';
  }

  /** What each connected switch last said of this instance's role (switches that said nothing yet are absent). */
  statedRoles(): Map<string, SwitchStatedRole> {
    const out = new Map<string, SwitchStatedRole>();
    for (const [dpid, a] of this.switches) if (a.stated) out.set(dpid, a.stated);
    return out;
  }

  attach(conn: Conn): void {
    this.detach(conn.dpid);
    const a: Attached = { conn, masterAt: undefined, seq: 0, stated: undefined, onStatus: (m) => this.roleStatus(conn.dpid, m) };
    conn.on('roleStatus', a.onStatus);
    this.switches.set(conn.dpid, a);
    void this.assert(a);
  }

  detach(dpid: string): void {
    const a = this.switches.get(dpid);
    if (!a) return;
    a.conn.off('roleStatus', a.onStatus);
    this.switches.delete(dpid);
    this.emit('detached', dpid);
  }

  /** A flow-mod came back refused as from a slave, or a role request as stale. */
  roleError(dpid: string, kind: RoleError): void {
    const a = this.switches.get(dpid);
    if (a) a.masterAt = undefined;
    this.deposed(dpid, kind === 'stale' ? 'the switch refused our generation id as stale' : 'the switch refused a flow-mod: another controller is master');
  }

  private assertAll(): void {
    for (const a of this.switches.values()) void this.assert(a);
  }

  private async assert(a: Attached): Promise<void> {
    const election = this.opts.election;
    const own = election.generationId;
    const leader = election.leader;
    const want = own !== undefined ? 'master' : 'slave';
    const gen = own ?? leader?.generationId;
    if (gen === undefined) return; // nobody leads yet: stay as we are, and write nothing
    if (want === 'master' && a.masterAt === gen) return;
    const seq = ++a.seq;
    if (want === 'slave') a.masterAt = undefined;
    const r = await requestRole(a.conn, want, gen);
    const repliedAt = performance.now();
    if (seq !== a.seq || this.switches.get(a.conn.dpid) !== a) return;
    if (!r.ok) {
      if (r.reason === 'stale') {
        this.staleRefusals++;
        if (want === 'master') this.deposed(a.conn.dpid, `the switch refused MASTER at generation ${gen} as stale`);
        else this.log.info('slave request refused as stale; a newer leader is known to the switch', { dpid: a.conn.dpid, generationId: String(gen) });
        return;
      }
      this.log.warn('role request failed', { dpid: a.conn.dpid, role: want, reason: r.reason, detail: r.detail });
      return;
    }
    if (want === 'slave') {
      this.stated(a, 'slave', gen);
      return;
    }
    // A barrier after the reply: everything this switch had from us before is settled.
    try {
      await a.conn.barrier();
    } catch {
      return;
    }
    if (seq !== a.seq || election.generationId !== gen) return;
    a.masterAt = gen;
    // How long the barrier after the ROLE_REPLY took: the log line's time less this is when the switch replied.
    this.stated(a, 'master', gen, { barrierMs: Math.round((performance.now() - repliedAt) * 10) / 10 });
    this.opts.onMaster(a.conn.dpid);
  }

  private roleStatus(dpid: string, m: RoleStatus): void {
    const a = this.switches.get(dpid);
    if (!a || m.role === 'master') return;
    const wasMaster = a.masterAt !== undefined;
    a.masterAt = undefined;
    this.stated(a, 'slave', m.generationId);
    if (wasMaster) this.deposed(dpid, `the switch made another controller master (generation ${m.generationId})`);
  }

  private deposed(dpid: string, reason: string): void {
    this.log.warn('deposed by a switch', { dpid, reason });
    this.opts.election.deposed(reason);
  }

  private stated(a: Attached, role: 'master' | 'slave', generationId: bigint, extra: Record<string, unknown> = {}): void {
    const previous = a.stated?.role;
    a.stated = { role, generationId };
    if (previous !== role) this.roleChanges++;
    this.log.info('switch confirmed our role', { dpid: a.conn.dpid, role, generationId: String(generationId), ...extra });
    this.emit('role', a.conn.dpid, role, previous);
  }
}
