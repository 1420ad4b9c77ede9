// Set-up commands sent to a switch before its first flows (the packet-in
// meter). A meter left by an earlier run is modified instead of added; a meter
// the switch refuses (a datapath without meters) must not take the flows that
// use it down with it: they go without the meter.
import type { Logger } from '../log.js';
import type { DesiredFlow, SwitchCommand, SwitchSession } from './ports.js';

/** OFPET_METER_MOD_FAILED / OFPMMFC_METER_EXISTS (OF1.3). */
const OFPET_METER_MOD_FAILED = 12;
const OFPMMFC_METER_EXISTS = 1;

export type PreludeResult = { ok: true; refusedMeters: number[] } | { ok: false; reason: string };

export async function sendPrelude(session: SwitchSession, prelude: SwitchCommand[], log: Logger): Promise<PreludeResult> {
  const refusedMeters: number[] = [];
  const refuse = (cmd: SwitchCommand, errType: number, code: number) => {
    if (cmd.type === 'meterMod') {
      refusedMeters.push(cmd.meterId);
      log.error('switch refused the packet-in meter; controller-bound flows go unmetered (set the OVS controller rate limit)', { meterId: cmd.meterId, errType, code });
    } else {
      log.error('switch refused a set-up command', { command: cmd.type, errType, code });
    }
  };
  const r = await session.apply(prelude, { atomic: false });
  if (!r.ok) return { ok: false, reason: r.reason };
  const again: SwitchCommand[] = [];
  for (const e of r.errors) {
    const cmd = prelude[e.index]!;
    if (cmd.type === 'meterMod' && cmd.command === 'add' && e.errType === OFPET_METER_MOD_FAILED && e.code === OFPMMFC_METER_EXISTS) {
      again.push({ ...cmd, command: 'modify' });
    } else {
      refuse(cmd, e.errType, e.code);
    }
  }
  if (again.length > 0) {
    const r2 = await session.apply(again, { atomic: false });
    if (!r2.ok) return { ok: false, reason: r2.reason };
    for (const e of r2.errors) refuse(again[e.index]!, e.errType, e.code);
  }
  return { ok: true, refusedMeters };
}

/** The flows with every meter instruction naming one of `meters` removed. */
export function withoutMeters(flows: readonly DesiredFlow[], meters: ReadonlySet<number>): readonly DesiredFlow[] {
  if (meters.size === 0) return flows;
  return flows.map((f) =>
    f.instructions.some((i) => i.type === 'meter' && meters.has(i.meterId))
      ? { ...f, instructions: f.instructions.filter((i) => !(i.type === 'meter' && meters.has(i.meterId))) }
      : f,
  );
}
