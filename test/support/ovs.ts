// Open vSwitch helpers shared by the integration tests and the benches that
// drive bridges directly (without Mininet): commands, a bridge, whether OVS is
// there, and, for benches, the lock that keeps them from sharing OVS with a test.
import { execFileSync, spawnSync } from 'node:child_process';

/** The lock every user of the machine's Open vSwitch takes (see test/support/mininet.ts). */
export const OVS_LOCK = '/tmp/spotlight-ovs.lock';

/** Runs a command and returns its standard output; throws on failure or after `timeoutMs`. */
export function sh(cmd: string, args: string[], timeoutMs = 20_000): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28, timeout: timeoutMs });
}

/** sh() for cleanups: a failure (a bridge already gone) is ignored. */
export function trySh(cmd: string, args: string[]): void {
  try {
    sh(cmd, args);
  } catch {
    /* absent is fine */
  }
}

export interface BridgeSpec {
  name: string;
  /** 16 hex digits. */
  dpid: string;
  /** ovs-vsctl's protocols: "OpenFlow10", "OpenFlow13", or both with a comma. */
  protocols: string;
  /** Internal ports NAME-p1, NAME-p2, … with those port numbers (none unless told). */
  internalPorts?: number;
  /** Controller targets ("tcp:127.0.0.1:6653", "ssl:…"); none: connected later by the caller. */
  controllers?: string[];
}

/**
 * A userspace (netdev) bridge in secure fail mode with the datapath id asked
 * for: one left from an earlier run is removed first, then the bridge, its
 * ports and its controllers are made in one ovs-vsctl transaction.
 */
export function addBridge(b: BridgeSpec): void {
  sh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
  const args = ['--timeout=10', 'add-br', b.name, '--', 'set', 'bridge', b.name, 'datapath_type=netdev', 'fail_mode=secure', `protocols=${b.protocols}`, `other-config:datapath-id=${b.dpid}`];
  for (let i = 1; i <= (b.internalPorts ?? 0); i++) {
    args.push('--', 'add-port', b.name, `${b.name}-p${i}`, '--', 'set', 'interface', `${b.name}-p${i}`, 'type=internal', `ofport_request=${i}`);
  }
  if (b.controllers?.length) args.push('--', 'set-controller', b.name, ...b.controllers);
  sh('ovs-vsctl', args);
}

/** Whether `cmd` is on the PATH. */
export function haveCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether ovs-vsctl gets an answer from a running Open vSwitch. */
export function ovsRunning(): boolean {
  try {
    sh('ovs-vsctl', ['--timeout=2', 'show']);
    return true;
  } catch {
    return false;
  }
}

/** ovsRunning(), starting Open vSwitch first when it is installed but down. */
export function ovsStarted(): boolean {
  if (ovsRunning()) return true;
  try {
    sh('/usr/share/openvswitch/scripts/ovs-ctl', ['start', '--system-id=random']);
    sh('ovs-vsctl', ['--timeout=5', 'show']);
    return true;
  } catch {
    return false;
  }
}

/**
 * For a bench script: exits 0 with a note unless run as root with Open
 * vSwitch running, then runs the script again under OVS_LOCK (once) so that
 * it never shares the switch with a test, and exits with its status.
 */
export function benchUnderOvsLock(script: string): void {
  if (process.getuid?.() !== 0 || !ovsRunning()) {
    console.log(`${script}: skipped (needs root and a running Open vSwitch)`);
    process.exit(0);
  }
  if (process.env.SPOTLIGHT_OVS_LOCKED === '1') return;
  const r = spawnSync('flock', [OVS_LOCK, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, SPOTLIGHT_OVS_LOCKED: '1' },
  });
  process.exit(r.status ?? 1);
}

/** The value after `--name` on a bench's command line, or `dflt`. */
export function benchArg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
