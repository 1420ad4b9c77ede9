// Loads a module of Spotlight as it was at another commit, so a bench can run
// the code before a change beside the code now, in the same process. The
// commit's src/ is extracted once (git archive) into a temporary folder that
// uses this checkout's node_modules.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The commit benches compare with unless BENCH_BEFORE names another. */
export const BEFORE_COMMIT = process.env.BENCH_BEFORE ?? '6404266';

const extracted = new Map<string, string>();

/** The module at `path` (under src/) as of `commit`; undefined when git cannot give it (no repository, unknown commit). */
export async function importBefore<T>(path: string, commit = BEFORE_COMMIT): Promise<T | undefined> {
  let dir = extracted.get(commit);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'spotlight-before-'));
    const repo = fileURLToPath(new URL('..', import.meta.url));
    try {
      const tar = execFileSync('git', ['archive', commit, 'src'], { cwd: repo, maxBuffer: 1 << 28 });
      execFileSync('tar', ['-x', '-C', dir], { input: tar });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    } catch {
      return undefined;
    }
    extracted.set(commit, dir);
  }
  return (await import(join(dir, path))) as T;
}
