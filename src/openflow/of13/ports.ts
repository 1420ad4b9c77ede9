// OF1.3 ofp_port (64 bytes): port_no u32, pad4, hw_addr[6], pad2, name[16],
// config, state, curr, advertised, supported, peer, curr_speed, max_speed (u32).
import { writeMac } from '../addr.js';
import { fail } from '../errors.js';
import type { Reader } from '../reader.js';
import type { PortDesc } from '../stats-model.js';
import type { Writer } from '../writer.js';
import { OFP13_PORT_LEN } from './constants.js';

export function encodePort13(w: Writer, p: PortDesc): void {
  if (p === null || typeof p !== 'object') fail('BAD_VALUE', 'port is not an object', w.pos);
  w.u32(p.portNo, 'port_no');
  w.zeros(4);
  writeMac(w, p.hwAddr, 'hw_addr');
  w.zeros(2);
  w.str(p.name, 16, 'port name');
  w.u32(p.config, 'config');
  w.u32(p.state, 'state');
  w.u32(p.curr, 'curr');
  w.u32(p.advertised, 'advertised');
  w.u32(p.supported, 'supported');
  w.u32(p.peer, 'peer');
  w.u32(p.currSpeed, 'curr_speed');
  w.u32(p.maxSpeed, 'max_speed');
}

export function decodePort13(r: Reader): PortDesc {
  r.need(OFP13_PORT_LEN, 'port');
  const portNo = r.u32();
  r.skip(4);
  const hwAddr = r.mac();
  r.skip(2);
  const name = r.str(16);
  return {
    portNo,
    hwAddr,
    name,
    config: r.u32(),
    state: r.u32(),
    curr: r.u32(),
    advertised: r.u32(),
    supported: r.u32(),
    peer: r.u32(),
    currSpeed: r.u32(),
    maxSpeed: r.u32(),
  };
}
