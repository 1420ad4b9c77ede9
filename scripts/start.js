// `npm start -- [flags]`: builds src/ when it changed since the last build,
// then runs `spotlight serve [flags]` in this same process. npm runs this file
// through `exec`, so the process npm started is the controller itself and a
// SIGTERM or SIGINT to it (or the one npm forwards) stops it cleanly.
import { ensureBuilt } from './build.js';

if (!(await ensureBuilt())) process.exit(1);
await import('../dist/src/cli.js');
