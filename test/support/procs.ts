// Processes read from /proc (Linux): who belongs to a process group, who is a
// child of whom. Tests and benches use it to check that nothing they started
// outlives them.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** The command line, arguments joined by spaces. */
  cmd: string;
}

/** Every process visible in /proc, skipping those that end while being read. */
export function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name in parentheses may hold spaces: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgrp: Number(fields[2]), cmd });
    } catch {
      /* it ended meanwhile */
    }
  }
  return out;
}

/** The live processes of process group `pgid` (zombies included until reaped). */
export function processGroup(pgid: number): ProcInfo[] {
  return processes().filter((p) => p.pgrp === pgid);
}

/** `pid`'s children. */
export function childrenOf(pid: number): ProcInfo[] {
  return processes().filter((p) => p.ppid === pid);
}
