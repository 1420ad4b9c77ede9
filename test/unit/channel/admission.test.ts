import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { isLoopbackAddress, SocketAdmission } from '../../../src/channel/admission.js';
import { FakeClock } from '../../support/fakeclock.js';

let nextPort = 40000;
/** Just what admission reads of an accepted socket. */
function socketFrom(address: string): net.Socket & EventEmitter {
  return Object.assign(new EventEmitter(), { remoteAddress: address, remotePort: nextPort++ }) as unknown as net.Socket & EventEmitter;
}

describe('channel: socket admission (before any OpenFlow byte)', () => {
  it('refuses plain TCP from a non-loopback peer when TLS is required; loopback peers still come in', () => {
    const a = new SocketAdmission({ clock: new FakeClock(), tls: false, requireTls: true, maxPerAddress: 64 });
    expect(a.screen(socketFrom('192.0.2.7'))).to.deep.include({ ok: false, reason: 'plain_tcp' });
    expect(a.screen(socketFrom('::ffff:192.0.2.7'))).to.deep.include({ ok: false, reason: 'plain_tcp' });
    expect(a.screen(socketFrom('127.0.0.1'))).to.deep.equal({ ok: true });
    expect(a.screen(socketFrom('::1'))).to.deep.equal({ ok: true });
    const withTls = new SocketAdmission({ clock: new FakeClock(), tls: true, requireTls: true, maxPerAddress: 64 });
    expect(withTls.screen(socketFrom('192.0.2.7'))).to.deep.equal({ ok: true });
  });

  it('bounds connections at once per non-loopback address, and frees a slot when a socket closes', () => {
    const a = new SocketAdmission({ clock: new FakeClock(), tls: false, requireTls: false, maxPerAddress: 3 });
    const socks = [1, 2, 3].map(() => socketFrom('198.51.100.9'));
    for (const s of socks) expect(a.screen(s)).to.deep.equal({ ok: true });
    expect(a.screen(socketFrom('198.51.100.9'))).to.deep.include({ ok: false, reason: 'address_limit' });
    expect(a.screen(socketFrom('198.51.100.10'))).to.deep.equal({ ok: true });
    socks[0]!.emit('close');
    expect(a.screen(socketFrom('198.51.100.9'))).to.deep.equal({ ok: true });
    // Many switches on one host over loopback (Mininet, simulators) are not limited.
    for (let i = 0; i < 10; i++) expect(a.screen(socketFrom('127.0.0.1'))).to.deep.equal({ ok: true });
  });

  it('keeps the accept time of each socket until it closes, and forgets addresses that have none left', () => {
    const clock = new FakeClock();
    const a = new SocketAdmission({ clock, tls: true, requireTls: false, maxPerAddress: 3 });
    const s = socketFrom('203.0.113.1');
    clock.advance(1234);
    a.screen(s);
    expect(a.acceptedAt(s)).to.equal(1234);
    expect(a.addressCount).to.equal(1);
    s.emit('close');
    expect(a.acceptedAt(s)).to.equal(undefined);
    expect(a.addressCount).to.equal(0);
  });

  it('tells loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).to.equal(true);
    for (const a of ['10.0.0.1', '0.0.0.0', '::', '::ffff:10.0.0.1', '1127.0.0.1', undefined]) expect(isLoopbackAddress(a), String(a)).to.equal(false);
  });
});
