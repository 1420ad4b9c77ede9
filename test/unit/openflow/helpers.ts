// Test helpers for the codec: fixtures, and ovs-ofctl as an independent oracle.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURE_DIR = join(here, '../../fixtures/openflow');

export interface Fixture {
  name?: string;
  hex: string;
  ofpPrint: string;
  from?: string;
}

export function loadFixtures(file: 'captured.json' | 'pyof.json'): Fixture[] {
  return (JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as { messages: Fixture[] }).messages;
}

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/[\s:]/g, ''), 'hex'));
}

let ofctl: boolean | undefined;
export function haveOvsOfctl(): boolean {
  if (ofctl === undefined) {
    try {
      execFileSync('ovs-ofctl', ['--version'], { stdio: 'ignore' });
      ofctl = true;
    } catch {
      ofctl = false;
    }
  }
  return ofctl;
}

/** ovs-ofctl's decoding of a message (the "OF1.3" flag follows from the version byte). */
export function ofpPrint(bytes: Uint8Array): string {
  return execFileSync('ovs-ofctl', ['ofp-print', Buffer.from(bytes).toString('hex')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** ofp-print's output and its warnings (stderr), which must be empty for good bytes. */
export function ofpPrintChecked(bytes: Uint8Array): { text: string; warnings: string } {
  const r = spawnSync('ovs-ofctl', ['ofp-print', Buffer.from(bytes).toString('hex')], { encoding: 'utf8' });
  return { text: r.stdout.trim(), warnings: r.stderr.trim() };
}

/** First line of an ofp-print, without the variable parts after the xid. */
export function firstLine(text: string): string {
  return text.split('\n')[0]!;
}
