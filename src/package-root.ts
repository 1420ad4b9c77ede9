// Where the package lies on disk, from the running code: the source tree runs
// from src/, the built one from dist/src/, and both need files beside them
// (package.json, the web view's files under web/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder holding Spotlight's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'spotlight') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('spotlight: cannot find the package folder (package.json named spotlight) above the running code');
    dir = up;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
