// GET /v1/cluster: the controller instances, the leader, each switch's master
// and the etcd health (one instance and no etcd on the LevelDB store).
import type { FastifyInstance } from 'fastify';
import type { ClusterView } from '../deps.js';
import { emptyQuery } from '../schemas.js';

export function registerClusterRoute(app: FastifyInstance, cluster: ClusterView): void {
  app.get(
    '/v1/cluster',
    { schema: { summary: "Instances (API address, alive), the leader, each switch's master and every instance's role on it, and the etcd members' health", querystring: emptyQuery } },
    () => cluster.status(),
  );
}
