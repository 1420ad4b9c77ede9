// A controller reduced to what the crash test needs: the store at argv[2] (a
// LevelDB directory, or etcd://HOST:PORT[,...]/PREFIX) and the API on an
// ephemeral loopback port, printed as "PORT n".
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../src/log.js';
import { startApi } from '../../src/api/server.js';
import { connectEtcd, DEFAULT_ETCD_PREFIX, openEtcdStore, openStore, parseStoreLocation, type Store } from '../../src/store/index.js';

const where = process.argv[2];
const location = where === undefined ? undefined : parseStoreLocation(where);
if (!location) {
  process.stderr.write('usage: crash-child DATA_DIR|etcd://HOST:PORT/PREFIX\n');
  process.exit(2);
}
const logger = createLogger({ level: 'error', json: true });
try {
  let store: Store;
  if (location.kind === 'leveldb') store = await openStore(location.dir, { logger });
  else {
    const prefix = location.prefix ?? DEFAULT_ETCD_PREFIX;
    const client = connectEtcd({ endpoints: location.endpoints, prefix });
    store = await openEtcdStore({ client, prefix, logger, instanceId: randomUUID(), where: where! });
  }
  const api = await startApi({ host: '127.0.0.1', port: 0, store, logger });
  process.stdout.write(`PORT ${new URL(api.address).port} GENERATION ${store.generation}\n`);
} catch (e) {
  process.stderr.write(`start failed: ${(e as Error).message}\n`);
  process.exit(1);
}
