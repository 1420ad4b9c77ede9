// A controller reduced to what the crash test needs: the store under
// argv[2] and the API on an ephemeral loopback port, printed as "PORT n".
import { createLogger } from '../../src/log.js';
import { startApi } from '../../src/api/server.js';
import { openStore } from '../../src/store/index.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: crash-child DATA_DIR\n');
  process.exit(2);
}
const logger = createLogger({ level: 'error', json: true });
try {
  const store = await openStore(dir, { logger });
  const api = await startApi({ host: '127.0.0.1', port: 0, store, logger });
  process.stdout.write(`PORT ${new URL(api.address).port} GENERATION ${store.generation}\n`);
} catch (e) {
  process.stderr.write(`start failed: ${(e as Error).message}\n`);
  process.exit(1);
}
