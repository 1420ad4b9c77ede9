// Several controllers on one etcd: the election and each switch's role, put
// together for the controller. Without etcd there is no cluster: every
// switch is written to, as by a single controller.
import type { Etcd3 } from 'etcd3';
import type { RoleError, SwitchConnection } from '../channel/index.js';
import type { Logger } from '../log.js';
import { Election } from './election.js';
import { SwitchRoles } from './switch-roles.js';

export { Election, LEADER_KEY, type Leadership } from './election.js';
export { SwitchRoles } from './switch-roles.js';

export interface ClusterOptions {
  client: Etcd3;
  prefix: string;
  instanceId: string;
  logger: Logger;
  /** The switch confirmed this instance as master: reconcile it. */
  onMaster: (dpid: string) => void;
  ttlSeconds?: number;
}

/** What the controller asks of the cluster for one switch. */
export interface SwitchGate {
  mayWrite(dpid: string): boolean;
  roleError(dpid: string, kind: RoleError): void;
}

export class Cluster implements SwitchGate {
  readonly election: Election;
  readonly roles: SwitchRoles;
  /** Filled in by start(), once the API address is known; the election publishes it. */
  private readonly advertise: Record<string, unknown> = {};
  private started = false;

  constructor(opts: ClusterOptions) {
    this.election = new Election({
      client: opts.client,
      prefix: opts.prefix,
      instanceId: opts.instanceId,
      advertise: this.advertise,
      logger: opts.logger,
      ...(opts.ttlSeconds !== undefined ? { ttlSeconds: opts.ttlSeconds } : {}),
    });
    this.roles = new SwitchRoles({ election: this.election, logger: opts.logger, onMaster: opts.onMaster });
  }

  /** Starts campaigning; `advertise` (the API address) is what the others see of this instance. */
  async start(advertise: Record<string, unknown>): Promise<void> {
    Object.assign(this.advertise, advertise);
    this.started = true;
    await this.election.start();
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
    if (this.started) await this.election.stop();
  }
}
