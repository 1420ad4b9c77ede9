#!/usr/bin/python3
"""Builds, sends and sniffs Ethernet frames for Spotlight's attack tests.

Runs inside a Mininet host with Debian's /usr/bin/python3 and the standard
library only (AF_PACKET raw sockets). Every command takes one argument: a JSON
object, hex-encoded so that no shell quoting can bend it.

  craft.py build HEXJSON  {"frames": [FRAME, ...]}     prints {"frames": ["hex", ...]}
  craft.py send HEXJSON   {"iface": "a1-eth0", "frames": [FRAME, ...], "count": 1}
                          prints {"sent": N}
  craft.py sniff HEXJSON  {"iface": "a2-eth0", "seconds": 2, "tags": ["..."], "ready": "/tmp/x"}
                          prints {"counts": {"TAG": N, ...}, "frames": {"TAG": "first frame hex"}}
  craft.py flood HEXJSON  {"iface": "a1-eth0", "rate": 10000, "seconds": 3, "mac": "...",
                           "ip": "10.1.0.1"}    prints {"sent": N, "seconds": S}
  craft.py relay HEXJSON  {"iface": "a1-eth0", "seconds": 6, "out": "/tmp/a1.lldp",
                           "ins": ["/tmp/a2.lldp"], "src": "MAC"}
                          prints {"received": N, "sent": M}

A FRAME is {"kind": "eth" | "udp4" | "udp6" | "arp" | "dhcp-offer" | "ra" | "na" | "ns", ...fields,
"tag": "HEX"}; the tag (random bytes chosen by the test) is carried in the
payload so that a sniffer counts exactly the frames of one test step.
"""
import json
import os
import random
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def mac_bytes(text):
    parts = text.split(':')
    if len(parts) != 6:
        raise ValueError('bad MAC %r' % text)
    return bytes(int(p, 16) for p in parts)


def ip4(text):
    return socket.inet_pton(socket.AF_INET, text)


def ip6(text):
    return socket.inet_pton(socket.AF_INET6, text)


def ones_complement(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return (~total) & 0xffff


def ethernet(dst, src, ethertype, payload, vlan=None):
    head = mac_bytes(dst) + mac_bytes(src)
    if vlan is not None:
        head += struct.pack('!HH', 0x8100, vlan & 0x0fff)
    frame = head + struct.pack('!H', ethertype) + payload
    # Ethernet minimum (60 bytes before the FCS): pad with zeros after the tag.
    return frame + b'\0' * max(0, 60 - len(frame))


def ipv4_packet(src, dst, proto, body, ttl=64):
    header = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(body), random.randint(0, 0xffff), 0,
                         ttl, proto, 0, ip4(src), ip4(dst))
    csum = ones_complement(header)
    return header[:10] + struct.pack('!H', csum) + header[12:] + body


def udp4(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    pseudo = ip4(src) + ip4(dst) + struct.pack('!BBH', 0, 17, length)
    head = struct.pack('!HHHH', sport, dport, length, 0)
    csum = ones_complement(pseudo + head + payload) or 0xffff
    return ipv4_packet(src, dst, 17, head[:6] + struct.pack('!H', csum) + payload)


def ipv6_packet(src, dst, next_header, body, hop_limit=64):
    return struct.pack('!IHBB16s16s', 6 << 28, len(body), next_header, hop_limit, ip6(src), ip6(dst)) + body


def l4_checksum6(src, dst, proto, body):
    pseudo = ip6(src) + ip6(dst) + struct.pack('!IxxxB', len(body), proto)
    return ones_complement(pseudo + body) or 0xffff


def udp6(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    head = struct.pack('!HHHH', sport, dport, length, 0)
    csum = l4_checksum6(src, dst, 17, head + payload)
    return ipv6_packet(src, dst, 17, head[:6] + struct.pack('!H', csum) + payload)


def link_local(mac):
    """The EUI-64 link-local address of a MAC (RFC 4291 appendix A)."""
    b = bytearray(mac_bytes(mac))
    b[0] ^= 0x02
    iid = bytes(b[:3]) + b'\xff\xfe' + bytes(b[3:])
    return socket.inet_ntop(socket.AF_INET6, b'\xfe\x80' + b'\0' * 6 + iid)


def build(spec):
    tag = bytes.fromhex(spec.get('tag', ''))
    kind = spec['kind']
    src = spec['src']
    dst = spec.get('dst', 'ff:ff:ff:ff:ff:ff')
    vlan = spec.get('vlan')
    if kind == 'eth':
        return ethernet(dst, src, int(spec.get('ethertype', 0x88b5)), tag, vlan)
    if kind == 'udp4':
        body = udp4(spec['srcIp'], spec['dstIp'], int(spec.get('sport', 40000)), int(spec.get('dport', 9)), tag)
        return ethernet(dst, src, 0x0800, body, vlan)
    if kind == 'udp6':
        body = udp6(spec['srcIp'], spec['dstIp'], int(spec.get('sport', 40000)), int(spec.get('dport', 9)), tag)
        return ethernet(dst, src, 0x86dd, body, vlan)
    if kind == 'arp':
        # op 1 request, 2 reply; sender/target hardware and protocol addresses.
        body = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, int(spec['op']),
                           mac_bytes(spec.get('sha', src)), ip4(spec['spa']),
                           mac_bytes(spec.get('tha', '00:00:00:00:00:00')), ip4(spec['tpa']))
        return ethernet(dst, src, 0x0806, body + tag, vlan)
    if kind == 'dhcp-offer':
        # BOOTREPLY (op 2), Ethernet hardware, with the magic cookie and
        # option 53 = 2 (DHCPOFFER), 54 (server id), 1 (mask), then end.
        chaddr = mac_bytes(spec.get('chaddr', dst if dst != 'ff:ff:ff:ff:ff:ff' else '02:00:00:00:00:00'))
        bootp = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 2, 1, 6, 0, int(spec.get('xid', 0x5370)), 0, 0x8000,
                            b'\0' * 4, ip4(spec.get('yiaddr', '0.0.0.0')), ip4(spec['srcIp']), b'\0' * 4,
                            chaddr + b'\0' * 10, b'', b'')
        options = (b'\x63\x82\x53\x63' + b'\x35\x01\x02' + b'\x36\x04' + ip4(spec['srcIp'])
                   + b'\x01\x04\xff\xff\xff\x00' + b'\xff')
        body = udp4(spec['srcIp'], spec.get('dstIp', '255.255.255.255'), 67, 68, bootp + options + tag)
        return ethernet(dst, src, 0x0800, body, vlan)
    if kind == 'ra':
        # ICMPv6 type 134: hop limit 64, flags M|O, router lifetime 1800 s,
        # then a source link-layer address option (type 1, 8 bytes).
        src_ip = spec.get('srcIp', link_local(src))
        dst_ip = spec.get('dstIp', 'ff02::1')
        icmp = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0xc0, 1800, 0, 0) + b'\x01\x01' + mac_bytes(src)
        icmp += tag_option(tag)
        csum = l4_checksum6(src_ip, dst_ip, 58, icmp)
        icmp = icmp[:2] + struct.pack('!H', csum) + icmp[4:]
        return ethernet(spec.get('dst', '33:33:00:00:00:01'), src, 0x86dd, ipv6_packet(src_ip, dst_ip, 58, icmp, 255), vlan)
    if kind in ('na', 'ns'):
        # ICMPv6 136 (advertisement: flags override, target, target link-layer
        # option type 2) or 135 (solicitation: target, source link-layer option
        # type 1); `lla` is the MAC the option names.
        src_ip = spec.get('srcIp', link_local(src))
        target = spec['target']
        if kind == 'na':
            dst_ip = spec.get('dstIp', 'ff02::1')
            icmp = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + ip6(target) + b'\x02\x01' + mac_bytes(spec.get('lla', src))
        else:
            t = ip6(target)
            dst_ip = spec.get('dstIp', socket.inet_ntop(socket.AF_INET6, bytes.fromhex('ff02' + '00' * 9 + '01ff') + t[13:]))
            icmp = struct.pack('!BBHI', 135, 0, 0, 0) + t + b'\x01\x01' + mac_bytes(spec.get('lla', src))
        icmp += tag_option(tag)
        csum = l4_checksum6(src_ip, dst_ip, 58, icmp)
        icmp = icmp[:2] + struct.pack('!H', csum) + icmp[4:]
        mdst = '33:33:%02x:%02x:%02x:%02x' % tuple(ip6(dst_ip)[12:])
        return ethernet(spec.get('dst', mdst), src, 0x86dd, ipv6_packet(src_ip, dst_ip, 58, icmp, 255), vlan)
    raise ValueError('unknown frame kind %r' % kind)


def tag_option(tag):
    """The tag in an experimental ND option (type 253, RFC 4727), padded to 8-byte units."""
    if not tag:
        return b''
    units = (2 + len(tag) + 7) // 8
    return bytes([253, units]) + tag + b'\0' * (units * 8 - 2 - len(tag))


def open_raw(iface, proto=0):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind((iface, 0))
    return s


def cmd_send(req):
    frames = [build(f) for f in req['frames']]
    count = int(req.get('count', 1))
    gap = float(req.get('gap', 0.0))
    sent = 0
    with open_raw(req['iface']) as s:
        for i in range(count):
            for f in frames:
                s.send(f)
                sent += 1
            if gap and i + 1 < count:
                time.sleep(gap)
    return {'sent': sent}


def cmd_build(req):
    return {'frames': [build(f).hex() for f in req['frames']]}


def cmd_sniff(req):
    tags = {t: bytes.fromhex(t) for t in req.get('tags', [])}
    counts = {t: 0 for t in tags}
    first = {}
    seen = 0
    with open_raw(req['iface'], ETH_P_ALL) as s:
        if req.get('ready'):
            with open(req['ready'], 'w', encoding='ascii') as f:
                f.write('ready\n')
        deadline = time.time() + float(req['seconds'])
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            ready, _, _ = select.select([s], [], [], left)
            if not ready:
                break
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            seen += 1
            for t, b in tags.items():
                if b and b in frame:
                    counts[t] += 1
                    first.setdefault(t, frame.hex())
    return {'counts': counts, 'frames': first, 'seen': seen}


def cmd_flood(req):
    """Unknown frames at a fixed rate, four kinds in turn: a random source MAC,
    the VM's own MAC to a MAC nobody has, an ARP request from the VM's own
    addresses for a random address, and an (unsigned) LLDP frame to the
    nearest-bridge address; the last two are the kinds that reach the controller."""
    rate = float(req['rate'])
    seconds = float(req['seconds'])
    own = req['mac']
    own_ip = req['ip']
    prefix = own_ip.rsplit('.', 1)[0]
    rnd = random.Random(int(req.get('seed', 6)))

    def rand_mac():
        return '02:%02x:%02x:%02x:%02x:%02x' % tuple(rnd.randrange(256) for _ in range(5))

    kinds = req.get('kinds', [0, 1, 2, 3])
    pool = []
    for i in range(300):
        k = kinds[i % len(kinds)]
        if k == 0:
            pool.append(build({'kind': 'udp4', 'src': rand_mac(), 'dst': rand_mac(), 'srcIp': own_ip,
                               'dstIp': '%s.%d' % (prefix, rnd.randrange(100, 250))}))
        elif k == 1:
            pool.append(build({'kind': 'udp4', 'src': own, 'dst': rand_mac(), 'srcIp': own_ip,
                               'dstIp': '%s.%d' % (prefix, rnd.randrange(100, 250))}))
        elif k == 2:
            pool.append(build({'kind': 'arp', 'src': own, 'op': 1, 'spa': own_ip,
                               'tpa': '%s.%d' % (prefix, rnd.randrange(100, 250))}))
        else:
            # Chassis id (MAC), port id, TTL and end TLVs.
            lldpdu = (b'\x02\x07\x04' + mac_bytes(own) + b'\x04\x03\x07' + bytes([0x30 + i % 10, 0x31])
                      + b'\x06\x02\x00\x78' + b'\x00\x00')
            pool.append(ethernet('01:80:c2:00:00:0e', own, 0x88cc, lldpdu))
    sent = 0
    with open_raw(req['iface']) as s:
        start = time.time()
        end = start + seconds
        while True:
            now = time.time()
            if now >= end:
                break
            due = int((now - start) * rate)
            while sent < due:
                try:
                    s.send(pool[sent % len(pool)])
                except OSError:
                    # A full transmit queue: this frame is lost, the pace goes on.
                    pass
                sent += 1
            time.sleep(0.002)
        elapsed = time.time() - start
    return {'sent': sent, 'seconds': round(elapsed, 3)}


def cmd_relay(req):
    """One end of an LLDP wormhole between colluding hosts: every LLDP frame
    received on the interface is appended (hex, one a line) to `out`, and every
    line that appears in one of the `ins` files (the other ends' `out`) is sent
    out of the interface, with the Ethernet source set to `src` when given.
    The hosts share the file system, not a network."""
    src = mac_bytes(req['src']) if req.get('src') else None
    ins = {path: 0 for path in req.get('ins', [])}
    received = 0
    sent = 0
    with open_raw(req['iface'], ETH_P_ALL) as s, open(req['out'], 'a', encoding='ascii') as out:
        deadline = time.time() + float(req['seconds'])
        while time.time() < deadline:
            ready, _, _ = select.select([s], [], [], 0.01)
            while ready:
                frame, addr = s.recvfrom(65535)
                if addr[2] != PACKET_OUTGOING and frame[12:14] == b'\x88\xcc':
                    received += 1
                    out.write(frame.hex() + '\n')
                    out.flush()
                ready, _, _ = select.select([s], [], [], 0)
            for path, offset in ins.items():
                try:
                    with open(path, encoding='ascii') as f:
                        f.seek(offset)
                        text = f.read()
                except FileNotFoundError:
                    continue
                # Only whole lines: the other end may be writing the last one.
                whole = text[:text.rfind('\n') + 1]
                ins[path] = offset + len(whole)
                for line in whole.split():
                    frame = bytes.fromhex(line)
                    if src is not None:
                        frame = frame[:6] + src + frame[12:]
                    s.send(frame)
                    sent += 1
    return {'received': received, 'sent': sent}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('build', 'send', 'sniff', 'flood', 'relay'):
        sys.stderr.write(__doc__)
        return 2
    req = json.loads(bytes.fromhex(sys.argv[2]).decode('utf-8'))
    out = {'build': cmd_build, 'send': cmd_send, 'sniff': cmd_sniff, 'flood': cmd_flood, 'relay': cmd_relay}[sys.argv[1]](req)
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
