// Spotlight's composition root: builds the components and wires them together.
// Each section below owns one component; start() brings them up in dependency
// order and stop() takes them down in reverse.
import { OpenFlowServer, type ConnectionLimits, type TlsSettings } from './channel/index.js';
import type { Clock } from './channel/clock.js';
import type { Logger } from './log.js';
import { channelTopologySource } from './topo/channel-source.js';
import type { TopologyDescription } from './topo/description.js';
import { TopologyService } from './topo/service.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface ControllerOptions {
  /** Where switches connect (OpenFlow 1.0 and 1.3 on the same port). */
  openflow: HostPort & { tls?: TlsSettings; limits?: Partial<ConnectionLimits> };
  /** The HTTP API (wired by the API component). */
  api: HostPort;
  /** LevelDB directory (wired by the store component). */
  dataDir: string;
  /** Optional settings file. */
  configFile?: string;
  logger: Logger;
  clock?: Clock;
  /** Fabric discovery settings (the described cabling, probe key and rate). */
  topology?: TopologySettings;
}

export interface TopologySettings {
  description?: TopologyDescription;
  /** Probe HMAC key; random per process when absent. */
  secret?: Uint8Array;
  /** Milliseconds between two probes out of one port (default 1000). */
  probeIntervalMs?: number;
}

export class Controller {
  openflow: OpenFlowServer | undefined;
  /** Fabric discovery; its snapshot and links() feed the compiler and GET /v1/topology. */
  topology: TopologyService | undefined;
  /** Bound OpenFlow address once started (port 0 resolved). */
  openflowAddress: HostPort | undefined;
  private readonly log: Logger;
  private stopping: Promise<void> | undefined;

  constructor(readonly options: ControllerOptions) {
    this.log = options.logger.child({ component: 'controller' });
  }

  async start(): Promise<void> {
    // --- OpenFlow: the switch listener ---
    const of = new OpenFlowServer({
      host: this.options.openflow.host,
      port: this.options.openflow.port,
      ...(this.options.openflow.tls ? { tls: this.options.openflow.tls } : {}),
      ...(this.options.openflow.limits ? { limits: this.options.openflow.limits } : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      logger: this.options.logger,
    });
    of.on('switchConnected', (ev) =>
      this.log.info('switch connected', {
        dpid: ev.dpid,
        version: ev.version === 4 ? '1.3' : '1.0',
        remote: ev.connection.remote,
        ports: ev.ports.map((p) => `${p.portNo}:${p.name}`),
        hw: ev.desc ? `${ev.desc.mfrDesc} ${ev.desc.hwDesc} ${ev.desc.swDesc}` : undefined,
      }),
    );
    of.on('switchDisconnected', (ev) => this.log.info('switch disconnected', { dpid: ev.dpid, reason: ev.reason, detail: ev.detail }));
    of.on('portStatus', (ev) =>
      this.log.info('port status', { dpid: ev.dpid, reason: ev.message.reason, port: ev.message.desc.portNo, name: ev.message.desc.name }),
    );
    this.openflow = of;

    // --- Topology: LLDP discovery over the switch listener (subscribed before it listens) ---
    const topoSettings = this.options.topology ?? {};
    const topoIo = channelTopologySource(of);
    this.topology = new TopologyService({
      source: topoIo.source,
      sendPacketOut: topoIo.sendPacketOut,
      logger: this.options.logger,
      ...(topoSettings.description ? { description: topoSettings.description } : {}),
      ...(topoSettings.secret ? { secret: topoSettings.secret } : {}),
      ...(topoSettings.probeIntervalMs ? { intervalMs: topoSettings.probeIntervalMs } : {}),
    });
    this.topology.start();

    this.openflowAddress = await of.listen();

    // --- Store, topology, reconciler and HTTP API are wired here as they land ---

    this.log.info('controller started', { openflow: this.openflowAddress, api: this.options.api, data: this.options.dataDir });
  }

  /** Close listeners and switches (draining their output); safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('controller stopping');
      this.topology?.stop();
      await this.openflow?.close();
      this.log.info('controller stopped');
    })();
    return this.stopping;
  }
}
