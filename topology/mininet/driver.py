#!/usr/bin/python3
"""Builds a Mininet network from a Spotlight topology description and drives it.

Run with Debian's interpreter (/usr/bin/python3, which has the mininet module),
as root, with Open vSwitch running. Switches use the userspace datapath, are
fail-secure, take their datapath id and OpenFlow version from the description
and connect to the remote controllers given (HOST:PORT, several separated by
commas: every switch lists them all).

Protocol: one JSON object per line. On stdout the driver first prints
{"event": "ready", ...} (or {"event": "error", ...} and exits), then one answer
per command read from stdin, carrying the command's "id":

  {"id": 1, "cmd": "run", "host": "h1", "command": "ping -c1 10.0.0.2", "timeout": 10}
      -> {"id": 1, "ok": true, "output": "...", "exitCode": 0}
  {"id": 2, "cmd": "link", "a": "s1", "b": "s2", "state": "down"}      (or "up")
  {"id": 3, "cmd": "interfaces"}      -> switches with their ports, hosts with theirs
  {"id": 4, "cmd": "sendFrame", "host": "h1", "frame": "<hex>", "count": 1}
  {"id": 5, "cmd": "capture", "host": "h1", "ethertype": 35020, "timeout": 3}
      -> {"id": 5, "ok": true, "frame": "<hex>"} (frame null when none came)
  {"id": 6, "cmd": "switch", "switch": "s1", "command": "ovs-ofctl ..."}
      (runs in the root namespace; for inspecting a switch)
  {"id": 7, "cmd": "spawn", "host": "h1", "command": "ping -i 0.01 -c 500 10.0.0.8"}
      -> {"id": 7, "ok": true, "job": 1}        (runs in the background)
  {"id": 8, "cmd": "collect", "job": 1, "timeout": 10}
      -> {"id": 8, "ok": true, "output": "...", "exitCode": 0}   (killed at the timeout)
  {"id": 9, "cmd": "stop"}

The driver stops the network and exits on "stop", on end of input, on SIGTERM,
and at the latest after --max-seconds. Before building it removes what a dead
run may have left of its own switches (bridges and veths named after them).
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Host shell pids of the running network, so that a run after a killed one can end them by id.
PIDFILE = '/tmp/spotlight-mininet-driver.pids'
RAW_HELPER = os.path.join(HERE, 'rawframe.py')
OUT_LOCK = threading.Lock()


def emit(obj):
    with OUT_LOCK:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()


def load_description(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if path.endswith('.json'):
        return json.loads(text)
    import yaml  # python3-yaml; only needed for YAML descriptions
    return yaml.safe_load(text)


def norm_dpid(value):
    if isinstance(value, int):
        return '%016x' % value
    text = str(value).strip().lower().replace(':', '')
    if text.startswith('0x'):
        text = text[2:]
    if not re.fullmatch(r'[0-9a-f]{1,16}', text):
        raise ValueError('bad datapath id %r' % value)
    return text.rjust(16, '0')


def protocols(version):
    text = str(version).lower().replace('openflow', '')
    if text in ('1', '1.0', '10'):
        return 'OpenFlow10'
    if text in ('1.3', '13'):
        return 'OpenFlow13'
    raise ValueError('bad OpenFlow version %r' % version)


def port_number(switch, ref):
    """A described port: a number, or the name "<switch>-eth<N>" that Mininet gives port N."""
    if isinstance(ref, int):
        return ref
    text = str(ref)
    if text.isdigit():
        return int(text)
    m = re.fullmatch(re.escape(switch) + r'-eth(\d+)', text)
    if not m:
        raise ValueError('port %r of %s is not a number nor %s-ethN' % (ref, switch, switch))
    return int(m.group(1))


def parse_end(end):
    if isinstance(end, dict):
        return end['switch'], end['port']
    sw, _, port = str(end).partition(':')
    return sw, port


def end_leftover_hosts():
    """Ends the host shells a killed run recorded, if they are still Mininet host shells."""
    try:
        with open(PIDFILE, encoding='ascii') as f:
            pids = [int(x) for x in f.read().split() if x.isdigit()]
    except OSError:
        return
    for pid in pids:
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as f:
                cmdline = f.read()
        except OSError:
            continue
        if b'mininet:' in cmdline:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    try:
        os.unlink(PIDFILE)
    except OSError:
        pass


def cleanup_own(switch_names):
    """Removes leftovers of a dead run: only bridges and veths named after our switches."""
    for name in switch_names:
        subprocess.run(['ovs-vsctl', '--timeout=5', '--if-exists', 'del-br', name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    links = subprocess.run(['ip', '-o', 'link', 'show'], capture_output=True, text=True, check=False).stdout
    for line in links.splitlines():
        m = re.match(r'\d+: ([^:@]+)[:@]', line)
        if not m:
            continue
        intf = m.group(1)
        if any(re.fullmatch(re.escape(n) + r'-eth\d+', intf) for n in switch_names):
            subprocess.run(['ip', 'link', 'del', intf], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)


class Driver:
    def __init__(self, desc, controller, version_override):
        self.desc = desc
        self.controller = controller
        self.version_override = version_override
        self.net = None
        self.stopped = False
        self.stop_lock = threading.Lock()
        self.jobs = {}
        self.next_job = 1

    def build(self):
        from mininet.net import Mininet
        from mininet.node import OVSSwitch, RemoteController
        from mininet.link import Link
        from mininet.log import setLogLevel

        setLogLevel('error')
        switches = self.desc.get('switches') or []
        names = [s['name'] for s in switches]
        end_leftover_hosts()
        cleanup_own(names)
        net = Mininet(switch=OVSSwitch, controller=None, link=Link, autoSetMacs=False,
                      autoStaticArp=False, build=False, waitConnected=False)
        self.net = net
        for i, target in enumerate(self.controller.split(',')):
            host, _, port = target.rpartition(':')
            net.addController(RemoteController('c%d' % i, ip=host, port=int(port)))
        for s in switches:
            version = self.version_override or s.get('openflow', '1.3')
            net.addSwitch(s['name'], cls=OVSSwitch, dpid=norm_dpid(s['dpid']),
                          protocols=protocols(version), datapath='user', failMode='secure')
        for link in self.desc.get('links') or []:
            a, b = (link['a'], link['b']) if isinstance(link, dict) else link
            sa, pa = parse_end(a)
            sb, pb = parse_end(b)
            net.addLink(sa, sb, port1=port_number(sa, pa), port2=port_number(sb, pb))
        for h in self.desc.get('hosts') or []:
            params = {}
            if h.get('ip'):
                params['ip'] = h['ip']
            if h.get('mac'):
                params['mac'] = h['mac']
            net.addHost(h['name'], **params)
            if h.get('port') is not None:
                net.addLink(h['name'], h['switch'], port2=int(h['port']))
            else:
                net.addLink(h['name'], h['switch'])
        net.build()
        with open(PIDFILE, 'w', encoding='ascii') as f:
            f.write(' '.join(str(h.pid) for h in net.hosts))
        net.start()
        for h in net.hosts:
            # Hosts stay quiet unless a test makes them talk (no IPv6 autoconfiguration chatter).
            h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1')

    def interfaces(self):
        out = {'switches': [], 'hosts': []}
        for sw in self.net.switches:
            ports = []
            for intf, num in sorted(sw.ports.items(), key=lambda kv: kv[1]):
                if intf.name == 'lo':
                    continue
                peer = intf.link.intf1 if intf.link and intf.link.intf2 is intf else (intf.link.intf2 if intf.link else None)
                ports.append({'name': intf.name, 'port': num,
                              'peer': peer.node.name if peer else None,
                              'peerIntf': peer.name if peer else None})
            out['switches'].append({'name': sw.name, 'dpid': sw.dpid, 'ports': ports})
        for h in self.net.hosts:
            out['hosts'].append({'name': h.name, 'ip': h.IP(), 'mac': h.MAC(),
                                 'intf': h.defaultIntf().name,
                                 'switch': h.defaultIntf().link.intf2.node.name if h.defaultIntf().link else None})
        return out

    def node(self, name):
        if name not in self.net:
            raise KeyError('no node named %r' % name)
        return self.net[name]

    def handle(self, req):
        cmd = req.get('cmd')
        if cmd == 'run':
            h = self.node(req['host'])
            timeout = float(req.get('timeout', 30))
            marker = '__spotlight_rc='
            # timeout(1) bounds the command; the marker carries its exit status.
            out = h.cmd('timeout %d sh -c %s; echo %s$?' % (max(1, int(timeout)), shquote(req['command']), marker))
            rc = None
            idx = out.rfind(marker)
            if idx >= 0:
                rc_text = out[idx + len(marker):].strip()
                rc = int(rc_text) if rc_text.isdigit() else None
                out = out[:idx]
            return {'output': out, 'exitCode': rc}
        if cmd == 'link':
            state = req.get('state')
            if state not in ('up', 'down'):
                raise ValueError('state must be "up" or "down"')
            self.node(req['a'])
            self.node(req['b'])
            self.net.configLinkStatus(req['a'], req['b'], state)
            return {}
        if cmd == 'interfaces':
            return self.interfaces()
        if cmd == 'sendFrame':
            h = self.node(req['host'])
            frame = req['frame']
            if not re.fullmatch(r'(?:[0-9a-fA-F]{2}){14,1514}', frame):
                raise ValueError('frame must be 14 to 1514 bytes of hex')
            count = int(req.get('count', 1))
            out = h.cmd('/usr/bin/python3 %s send %s %s %d' % (RAW_HELPER, h.defaultIntf().name, frame, count))
            if 'sent' not in out:
                raise RuntimeError('sending failed: %s' % out.strip())
            return {}
        if cmd == 'capture':
            h = self.node(req['host'])
            ethertype = int(req.get('ethertype', 0x88cc))
            timeout = float(req.get('timeout', 3))
            out = h.cmd('/usr/bin/python3 %s capture %s %d %.3f' % (RAW_HELPER, h.defaultIntf().name, ethertype, timeout))
            m = re.search(r'frame=([0-9a-f]*)', out)
            return {'frame': m.group(1) if m and m.group(1) else None}
        if cmd == 'spawn':
            h = self.node(req['host'])
            proc = h.popen(['sh', '-c', req['command']], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            job = self.next_job
            self.next_job += 1
            self.jobs[job] = proc
            return {'job': job}
        if cmd == 'collect':
            proc = self.jobs.pop(int(req['job']), None)
            if proc is None:
                raise KeyError('no job %r' % req['job'])
            try:
                out, _ = proc.communicate(timeout=float(req.get('timeout', 30)))
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
            return {'output': out.decode('utf-8', 'replace'), 'exitCode': proc.returncode}
        if cmd == 'switch':
            sw = self.node(req['switch'])
            return {'output': sw.cmd(req['command'])}
        if cmd == 'stop':
            return {}
        raise ValueError('unknown command %r' % cmd)

    def stop(self):
        with self.stop_lock:
            if self.stopped:
                return
            self.stopped = True
            for proc in self.jobs.values():
                if proc.poll() is None:
                    proc.kill()
            if self.net is not None:
                try:
                    self.net.stop()
                except Exception as err:  # keep going: the leftovers are cleaned below
                    sys.stderr.write('stopping the network failed: %s\n' % err)
                cleanup_own([s['name'] for s in self.desc.get('switches') or []])
                try:
                    os.unlink(PIDFILE)
                except OSError:
                    pass


def shquote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--description', required=True)
    ap.add_argument('--controller', default='127.0.0.1:6653', help='HOST:PORT[,HOST:PORT...]')
    ap.add_argument('--openflow', help='override every switch\'s version: 1.0 or 1.3')
    ap.add_argument('--max-seconds', type=float, default=600)
    args = ap.parse_args()

    if os.geteuid() != 0:
        emit({'event': 'error', 'message': 'the Mininet driver must run as root'})
        return 2
    try:
        desc = load_description(args.description)
    except Exception as err:
        emit({'event': 'error', 'message': 'cannot read %s: %s' % (args.description, err)})
        return 2

    driver = Driver(desc, args.controller, args.openflow)

    def on_signal(signum, _frame):
        driver.stop()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def on_deadline():
        sys.stderr.write('max-seconds reached; stopping the network\n')
        driver.stop()
        emit({'event': 'expired'})
        os._exit(3)

    watchdog = threading.Timer(args.max_seconds, on_deadline)
    watchdog.daemon = True
    watchdog.start()

    try:
        started = time.time()
        driver.build()
        ready = {'event': 'ready', 'seconds': round(time.time() - started, 3)}
        ready.update(driver.interfaces())
        emit(ready)
    except Exception as err:
        driver.stop()
        emit({'event': 'error', 'message': 'building the network failed: %s' % err})
        return 1

    code = 0
    try:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line)
            except ValueError as err:
                emit({'id': None, 'ok': False, 'error': 'not JSON: %s' % err})
                continue
            rid = req.get('id') if isinstance(req, dict) else None
            try:
                if not isinstance(req, dict):
                    raise ValueError('a command is a JSON object')
                result = driver.handle(req)
                answer = {'id': rid, 'ok': True}
                answer.update(result)
                if req.get('cmd') == 'stop':
                    driver.stop()
                    emit(answer)
                    break
                emit(answer)
            except Exception as err:
                emit({'id': rid, 'ok': False, 'error': '%s: %s' % (type(err).__name__, err)})
    finally:
        driver.stop()
        watchdog.cancel()
    return code


if __name__ == '__main__':
    sys.exit(main())
