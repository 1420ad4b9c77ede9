// A master the switch no longer takes as master: once another controller was
// made master with a newer generation id, the switch refuses this one's
// flow-mods (OFPBRC_IS_SLAVE) and its MASTER request (OFPRRFC_STALE), as Open
// vSwitch does (test/integration/controller-roles.test.ts checks those answers
// against ovs-vswitchd). The instance must step down at the first refusal and
// send no flow-mod after it. The switch here is scripted; the election is a
// stand-in that records being deposed.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { ChannelError, type BarrierResult, type SwitchErrorInfo } from '../../../src/channel/index.js';
import type { Election } from '../../../src/cluster/election.js';
import { SwitchRoles } from '../../../src/cluster/switch-roles.js';
import type { OfpMessage } from '../../../src/openflow/message-model.js';
import { ChannelSession } from '../../../src/reconcile/channel-session.js';
import type { SwitchCommand } from '../../../src/reconcile/ports.js';
import { silentLogger } from '../../support/logs.js';
import { until } from '../../support/wait.js';

const OFPET_BAD_REQUEST = 1;
const OFPBRC_IS_SLAVE = 10;
const OFPET_ROLE_REQUEST_FAILED = 11;
const OFPRRFC_STALE = 0;

/** An OF1.3 switch that keeps the newest generation id it was given, like Open vSwitch. */
class ScriptedSwitch extends EventEmitter {
  readonly dpid = '0000000000000001';
  readonly version = 4 as const;
  /** The newest generation id a master asked with (this controller's or another's). */
  newest = -1n;
  /** Whether this controller is master here. */
  master = false;
  readonly flowMods: unknown[] = [];
  private xid = 1;
  private pending: SwitchErrorInfo[] = [];

  error(errType: number, code: number, xid: number): SwitchErrorInfo {
    return { errType, code, error: { type: 'error', version: 4, xid, errType, code, data: new Uint8Array() } };
  }

  /** Another controller became master with `generationId`. */
  otherMaster(generationId: bigint): void {
    this.newest = generationId;
    this.master = false;
  }

  async request(m: Partial<OfpMessage> & { type: string }): Promise<OfpMessage> {
    const xid = this.xid++;
    if (m.type !== 'roleRequest') throw new Error(`unexpected request ${m.type}`);
    const r = m as { role: 'master' | 'slave'; generationId: bigint };
    if (r.generationId < this.newest) throw new ChannelError('SWITCH_ERROR', 'stale', { switchError: this.error(OFPET_ROLE_REQUEST_FAILED, OFPRRFC_STALE, xid) });
    this.newest = r.generationId;
    this.master = r.role === 'master';
    return { type: 'roleReply', version: 4, xid, role: r.role, generationId: r.generationId } as OfpMessage;
  }

  send(m: SwitchCommand): { ok: true; xid: number } {
    const xid = this.xid++;
    if (this.master) this.flowMods.push(m);
    else this.pending.push(this.error(OFPET_BAD_REQUEST, OFPBRC_IS_SLAVE, xid));
    return { ok: true, xid };
  }

  async barrier(): Promise<BarrierResult> {
    const errors = this.pending;
    this.pending = [];
    return { errors };
  }

  nextXid(): number {
    return this.xid++;
  }

  flowStats(): Promise<never[]> {
    return Promise.resolve([]);
  }
}

/** The election as SwitchRoles sees it: leading with a generation id until deposed. */
class LeaderStandIn extends EventEmitter {
  generationId: bigint | undefined;
  leader: { generationId: bigint; instanceId: string } | undefined;
  readonly deposedFor: string[] = [];

  lead(generationId: bigint): void {
    this.generationId = generationId;
    this.leader = { generationId, instanceId: 'this' };
    this.emit('leader', generationId);
  }

  deposed(reason: string): void {
    this.deposedFor.push(reason);
    this.generationId = undefined;
    this.leader = undefined;
    this.emit('follower', reason);
  }
}

const flowMod = (priority: number): SwitchCommand =>
  ({ type: 'flowMod', cookie: 1n, cookieMask: 0n, tableId: 0, command: 'add', idleTimeout: 0, hardTimeout: 0, priority, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: {}, match: {}, instructions: [] }) as SwitchCommand;

describe('cluster: a master the switch refuses steps down and writes no more', () => {
  function setUp() {
    const sw = new ScriptedSwitch();
    const election = new LeaderStandIn();
    const roles = new SwitchRoles({ election: election as unknown as Election, logger: silentLogger(), onMaster: () => undefined });
    const session = new ChannelSession(sw as never, { bundles: false, mayWrite: () => roles.mayWrite(sw.dpid), onRoleError: (kind) => roles.roleError(sw.dpid, kind) });
    election.lead(10n);
    roles.attach({ dpid: sw.dpid, version: 4, request: (m: never) => sw.request(m), barrier: () => sw.barrier(), on: () => undefined, off: () => undefined } as never);
    return { sw, election, roles, session };
  }

  it('a flow-mod refused as from a slave deposes it; the next batch is not sent', async () => {
    const { sw, election, roles, session } = setUp();
    await until('master confirmed', () => roles.mayWrite(sw.dpid));
    expect((await session.apply([flowMod(100)], { atomic: false })).ok).to.equal(true);
    expect(sw.flowMods).to.have.length(1);

    // While this instance was paused, another took over with a newer generation id.
    sw.otherMaster(11n);
    const refused = await session.apply([flowMod(200)], { atomic: false });
    expect(refused).to.deep.include({ ok: false, reason: 'notMaster' });
    expect(election.deposedFor).to.deep.equal(['the switch refused a flow-mod: another controller is master']);
    expect(roles.mayWrite(sw.dpid)).to.equal(false);

    const sentBefore = sw.flowMods.length;
    const xidBefore = sw.nextXid();
    expect(await session.apply([flowMod(300)], { atomic: false })).to.deep.include({ ok: false, reason: 'notMaster' });
    // Nothing went out: no flow-mod taken, no xid used by a send.
    expect(sw.flowMods).to.have.length(sentBefore);
    expect(sw.nextXid()).to.equal(xidBefore + 1);
  });

  it('a MASTER request refused as stale (OFPRRFC_STALE) deposes it, and it writes nothing under that generation', async () => {
    const { sw, election, roles, session } = setUp();
    await until('master confirmed', () => roles.mayWrite(sw.dpid));
    sw.otherMaster(20n);
    // It still believes it leads and asks again with its generation id, which the switch knows to be older.
    election.lead(12n);
    await until('deposed', () => election.deposedFor.length > 0);
    expect(election.deposedFor[0]).to.equal('the switch refused MASTER at generation 12 as stale');
    expect(roles.staleRefusals).to.equal(1);
    expect(roles.mayWrite(sw.dpid)).to.equal(false);
    expect(await session.apply([flowMod(400)], { atomic: false })).to.deep.include({ ok: false, reason: 'notMaster' });
    expect(sw.flowMods).to.have.length(0);
  });
});
