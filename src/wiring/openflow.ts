// The switch listener as the controller runs it: its settings, the switches the
// description admits, and the logs of switches connecting, leaving and changing ports.
import { OpenFlowServer } from '../channel/index.js';
import type { ControllerOptions } from '../controller-options.js';
import type { Logger } from '../log.js';
import { versionName } from '../openflow/wire-values.js';

export function buildOpenFlowServer(options: ControllerOptions, log: Logger): OpenFlowServer {
  const ofo = options.openflow;
  const described = options.topology?.description;
  const of = new OpenFlowServer({
    host: ofo.host,
    port: ofo.port,
    ...(ofo.tls ? { tls: ofo.tls } : {}),
    ...(ofo.limits ? { limits: ofo.limits } : {}),
    ...(ofo.requireTls !== undefined ? { requireTls: ofo.requireTls } : {}),
    ...(ofo.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: ofo.maxConnectionsPerAddress } : {}),
    ...(described && options.topology?.refuseUndescribedSwitches
      ? { admitSwitch: (dpid: string) => (described.switches.some((s) => s.dpid === dpid) ? undefined : 'the topology description does not name this switch') }
      : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    logger: options.logger,
  });
  of.on('switchConnected', (ev) =>
    log.info('switch connected', {
      dpid: ev.dpid,
      version: versionName(ev.version),
      remote: ev.connection.remote,
      ports: ev.ports.map((p) => `${p.portNo}:${p.name}`),
      hw: ev.desc ? `${ev.desc.mfrDesc} ${ev.desc.hwDesc} ${ev.desc.swDesc}` : undefined,
    }),
  );
  // A switch going away is something an operator acts on: warn.
  of.on('switchDisconnected', (ev) => log.warn('switch disconnected', { dpid: ev.dpid, reason: ev.reason, detail: ev.detail }));
  of.on('portStatus', (ev) => log.info('port status', { dpid: ev.dpid, reason: ev.message.reason, port: ev.message.desc.portNo, name: ev.message.desc.name }));
  return of;
}
