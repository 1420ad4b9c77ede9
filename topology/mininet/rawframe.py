#!/usr/bin/python3
"""Sends or captures raw Ethernet frames on one interface (run inside a Mininet host).

  rawframe.py send IFACE HEX COUNT          prints "sent N"
  rawframe.py capture IFACE ETHERTYPE SECS  prints "frame=HEX" (empty when none came)

Used by the Mininet driver to make a host forge or replay a discovery probe.
"""
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003


def send(iface, hexframe, count):
    frame = bytes.fromhex(hexframe)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))
        for _ in range(count):
            s.send(frame)
    print('sent %d' % count)


def capture(iface, ethertype, seconds):
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL)) as s:
        s.bind((iface, 0))
        deadline = time.time() + seconds
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            ready, _, _ = select.select([s], [], [], left)
            if not ready:
                break
            frame, addr = s.recvfrom(65535)
            # addr[2] is the packet type: 4 = PACKET_OUTGOING, our own frames.
            if addr[2] == 4 or len(frame) < 14:
                continue
            if int.from_bytes(frame[12:14], 'big') == ethertype:
                print('frame=' + frame.hex())
                return
    print('frame=')


def main():
    if len(sys.argv) == 5 and sys.argv[1] == 'send':
        send(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == 'capture':
        capture(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == '__main__':
    main()
