// Builds the controller (src/ only, tsconfig.build.json) into dist/, and only
// when its inputs changed since the last good build: a SHA-256 over every file
// under src/, both tsconfig files and the TypeScript version, kept in
// dist/.build-stamp. `npm run build` runs this file; scripts/start.js calls
// ensureBuilt() in the process that then runs the controller, so no shell and
// no second Node stand between npm and the controller.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');
const ENTRY = join(ROOT, 'dist', 'src', 'cli.js');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The fingerprint of everything the build output depends on. */
export function sourceHash() {
  const h = createHash('sha256');
  const inputs = [...filesUnder(join(ROOT, 'src')), join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.build.json')].sort();
  for (const f of inputs) {
    h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  const ts = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'typescript', 'package.json'), 'utf8'));
  h.update(`typescript ${ts.version}`);
  return h.digest('hex');
}

/** Whether dist/ holds the build of the current sources. */
export function isBuilt(hash = sourceHash()) {
  return existsSync(ENTRY) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash;
}

/**
 * Runs tsc over src/ unless dist/ is current (or `force`). Resolves true when
 * dist/ is current afterwards; tsc's messages go to stderr. A SIGTERM or
 * SIGINT during the build stops tsc too and exits.
 */
export async function ensureBuilt({ force = false } = {}) {
  const hash = sourceHash();
  if (!force && isBuilt(hash)) return true;
  process.stderr.write('spotlight: building src/ (sources changed since the last build)\n');
  rmSync(join(ROOT, 'dist', 'src'), { recursive: true, force: true });
  rmSync(STAMP, { force: true });
  const child = spawn(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
  let stoppedBy;
  const stop = (signal) => {
    stoppedBy = signal;
    child.kill(signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const status = await new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ? 1 : code)));
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  if (stoppedBy) process.exit(stoppedBy === 'SIGINT' ? 130 : 143);
  if (status !== 0) {
    process.stderr.write(`spotlight: the build failed (tsc exited ${status}); nothing was started\n`);
    return false;
  }
  writeFileSync(STAMP, hash + '\n');
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const ok = await ensureBuilt({ force: process.argv.includes('--force') });
  process.exit(ok ? 0 : 1);
}
