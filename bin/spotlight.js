#!/usr/bin/env node
// Installed as the `spotlight` command; the compiled CLI does the work.
import('../dist/src/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('spotlight: not built yet; run `npm run build` in the package folder first');
    process.exit(1);
  }
  throw err;
});
