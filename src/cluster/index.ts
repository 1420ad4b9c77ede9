// Several controllers on one etcd: the election, each switch's role, the
// fabric view and the realized generations the leader shares, and the watch
// followers keep on the leader's process, put together for the controller.
// Without etcd there is no cluster: every switch is written to, as by a
// single controller.
import { EtcdLeaseInvalidError, type Etcd3 } from 'etcd3';
import { isIP } from 'node:net';
import type { RoleError, SwitchConnection } from '../channel/index.js';
import type { Logger } from '../log.js';
import { whenEtcdAnswers } from '../store/etcd-wait.js';
import type { Link } from '../topo/types.js';
import { DeadLeaderWatch } from './dead-leader.js';
import { Election } from './election.js';
import { LivenessListener, probeLiveness } from './liveness.js';
import { Membership } from './membership.js';
import { RealizationRelay, type SharedRealization } from './realization-relay.js';
import { SharedFabric } from './shared-fabric.js';
import { SwitchRoles } from './switch-roles.js';

export { DeadLeaderWatch } from './dead-leader.js';
export { Election, LEADER_KEY, type Leadership } from './election.js';
export { InheritedLinks } from './inherited-links.js';
export { Membership, type InstanceView } from './membership.js';
export { registerClusterMetrics } from './metrics.js';
export { RealizationRelay } from './realization-relay.js';
export { SharedFabric } from './shared-fabric.js';
export { SwitchRoles, type SwitchStatedRole } from './switch-roles.js';

export interface ClusterOptions {
  client: Etcd3;
  prefix: string;
  instanceId: string;
  logger: Logger;
  /** The switch confirmed this instance as master: reconcile it. */
  onMaster: (dpid: string) => void;
  /** The links this instance compiles with (the leader shares them). */
  fabricLinks: () => readonly Link[];
  /** False during this instance's start-up hold: its view is not shared before it settled. */
  fabricSettled: () => boolean;
  /** The realization tracker `?wait` reads: the leader shares it, the others read it. */
  realization: SharedRealization;
  ttlSeconds?: number;
  /** Time between two probes of the leader's process by a follower (default 100 ms). */
  probeIntervalMs?: number;
}

/** A probe that connected but got no answer in this time says nothing (a paused or busy leader). */
const PROBE_TIMEOUT_MS = 500;

/** What the controller asks of the cluster for one switch. */
export interface SwitchGate {
  mayWrite(dpid: string): boolean;
  roleError(dpid: string, kind: RoleError): void;
}

export class Cluster implements SwitchGate {
  readonly election: Election;
  readonly roles: SwitchRoles;
  readonly fabric: SharedFabric;
  readonly realization: RealizationRelay;
  readonly membership: Membership;
  /** Held open for the life of the process: followers probe it to learn this instance is gone. */
  readonly liveness: LivenessListener;
  readonly deadLeader: DeadLeaderWatch;
  private readonly log: Logger;
  /** Filled in by start(), once the API address is known; the election publishes it. */
  private readonly advertise: Record<string, unknown> = {};
  private started = false;
  /** Aborted by stop(): ends a start still waiting for etcd. */
  private readonly stopping = new AbortController();

  constructor(opts: ClusterOptions) {
    this.log = opts.logger.child({ component: 'cluster', instance: opts.instanceId });
    this.election = new Election({
      client: opts.client,
      prefix: opts.prefix,
      instanceId: opts.instanceId,
      advertise: this.advertise,
      logger: opts.logger,
      ...(opts.ttlSeconds !== undefined ? { ttlSeconds: opts.ttlSeconds } : {}),
    });
    this.roles = new SwitchRoles({ election: this.election, logger: opts.logger, onMaster: opts.onMaster });
    this.membership = new Membership({
      client: opts.client,
      prefix: opts.prefix,
      instanceId: opts.instanceId,
      logger: opts.logger,
      roles: () => this.roles.statedRoles(),
      ...(opts.ttlSeconds !== undefined ? { ttlSeconds: opts.ttlSeconds } : {}),
    });
    this.roles.on('role', (dpid) => {
      this.realization.touch(dpid);
      this.membership.changed();
    });
    this.roles.on('detached', () => this.membership.changed());
    this.realization = new RealizationRelay({
      client: opts.client,
      prefix: opts.prefix,
      election: this.election,
      tracker: opts.realization,
      roleOf: (dpid) => this.roles.roleOf(dpid),
      instanceId: opts.instanceId,
      logger: opts.logger,
    });
    this.fabric = new SharedFabric({ client: opts.client, prefix: opts.prefix, election: this.election, logger: opts.logger, links: opts.fabricLinks, settled: opts.fabricSettled });
    this.liveness = new LivenessListener(opts.instanceId);
    this.deadLeader = new DeadLeaderWatch({
      election: this.election,
      instanceId: opts.instanceId,
      probe: (to, instanceId) => probeLiveness(to, instanceId, PROBE_TIMEOUT_MS),
      revoke: (id) => revokeLease(opts.client, id),
      logger: opts.logger,
      ...(opts.probeIntervalMs !== undefined ? { intervalMs: opts.probeIntervalMs } : {}),
    });
  }

  /** Joins and starts campaigning; the addresses are what the others see of this instance. */
  async start(addresses: { api: string; openflow: string }): Promise<void> {
    // On the OpenFlow listener's host: the address the other instances and the switches reach this one at.
    const host = addresses.openflow.slice(0, addresses.openflow.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
    const liveness = await this.liveness.listen(host);
    if (host === '0.0.0.0' || host === '::') {
      this.log.warn('the liveness listener advertises an unspecified address that instances on other machines cannot reach: if this instance dies while leading, they wait for its lease; give the OpenFlow listener a specific address', { liveness });
    } else if (isIP(host) === 0) {
      this.log.info('the liveness listener advertises a name; followers probe the address it resolves to', { liveness });
    }
    Object.assign(this.advertise, addresses, { liveness });
    this.started = true;
    // Each first read waits for an etcd that does not answer yet (a member restarting), until stop().
    const waitFor = (what: string, call: () => Promise<void>) => whenEtcdAnswers(what, call, { logger: this.log, signal: this.stopping.signal });
    await waitFor('joining the cluster', () => this.membership.start(addresses));
    await this.election.start();
    this.deadLeader.start();
    // After the election: a view read at start is trusted only when its writer still leads.
    await waitFor("reading the leader's fabric view", () => this.fabric.start());
    await waitFor('reading what switches confirmed', () => this.realization.start());
  }

  attach(conn: SwitchConnection): void {
    this.roles.attach(conn);
  }

  detach(dpid: string): void {
    this.roles.detach(dpid);
  }

  mayWrite(dpid: string): boolean {
    return this.roles.mayWrite(dpid);
  }

  roleError(dpid: string, kind: RoleError): void {
    this.roles.roleError(dpid, kind);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.stopping.abort();
    await this.deadLeader.stop();
    // Leadership and membership first: the others take over while the rest stops.
    await this.election.stop();
    await this.membership.stop();
    await this.fabric.stop();
    await this.realization.stop();
    // Last: while the listener is open, nobody takes this instance for dead.
    await this.liveness.close();
  }
}

/** LeaseRevoke by id, from any client: etcd deletes every key bound to the lease. */
async function revokeLease(client: Etcd3, id: string): Promise<'revoked' | 'gone'> {
  try {
    await client.leaseClient.leaseRevoke({ ID: id });
    return 'revoked';
  } catch (e) {
    if (e instanceof EtcdLeaseInvalidError) return 'gone';
    throw e;
  }
}
