// OF1.0 ports are 16-bit. Spotlight keeps the OF1.3 32-bit numbering, so the
// reserved ports 0xfff8..0xffff map to 0xfffffff8..0xffffffff.
import { writeMac } from '../addr.js';
import { fail } from '../errors.js';
import type { Reader } from '../reader.js';
import type { PortDesc } from '../stats-model.js';
import type { Writer } from '../writer.js';
import { OFP10_PHY_PORT_LEN } from './constants.js';

export function portFromWire10(p: number): number {
  return p >= 0xfff8 ? (0xffff0000 | p) >>> 0 : p;
}

export function portToWire10(p: number, at: number, what = 'port'): number {
  if (p >= 0xfffffff8 && p <= 0xffffffff) return p & 0xffff;
  if (!(Number.isInteger(p) && p >= 0 && p < 0xfff8)) fail('UNSUPPORTED', `${what} ${String(p)} does not fit OF1.0's 16-bit ports`, at);
  return p;
}

export function encodePhyPort10(w: Writer, p: PortDesc): void {
  if (p === null || typeof p !== 'object') fail('BAD_VALUE', 'port is not an object', w.pos);
  if (p.currSpeed || p.maxSpeed) fail('UNSUPPORTED', 'OF1.0 ports carry no curr_speed/max_speed', w.pos);
  w.u16(portToWire10(p.portNo, w.pos, 'port_no'));
  writeMac(w, p.hwAddr, 'hw_addr');
  w.str(p.name, 16, 'port name');
  w.u32(p.config, 'config');
  w.u32(p.state, 'state');
  w.u32(p.curr, 'curr');
  w.u32(p.advertised, 'advertised');
  w.u32(p.supported, 'supported');
  w.u32(p.peer, 'peer');
}

export function decodePhyPort10(r: Reader): PortDesc {
  r.need(OFP10_PHY_PORT_LEN, 'port');
  return {
    portNo: portFromWire10(r.u16()),
    hwAddr: r.mac(),
    name: r.str(16),
    config: r.u32(),
    state: r.u32(),
    curr: r.u32(),
    advertised: r.u32(),
    supported: r.u32(),
    peer: r.u32(),
    currSpeed: 0,
    maxSpeed: 0,
  };
}
