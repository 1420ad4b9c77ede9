// LLDP discovery over the switch listener, with the packet-out path that it and
// the packet-in answers share: in a cluster only a switch's master sends.
import type { OpenFlowServer } from '../channel/index.js';
import type { ControllerOptions } from '../controller-options.js';
import { ModelBoundPorts } from '../runtime/bound-ports.js';
import type { Store } from '../store/index.js';
import { channelTopologySource } from '../topo/channel-source.js';
import { TopologyService } from '../topo/service.js';

export type SendPacketOut = (dpid: string, port: number, frame: Buffer) => boolean;

export interface FabricDiscovery {
  topology: TopologyService;
  /** Ports with a VM or gateway bound in the model: never fabric ports. */
  boundPorts: ModelBoundPorts;
  sendPacketOut: SendPacketOut;
}

/** Subscribes to the listener before it listens; `mayWrite` tells whether this instance may send to a switch. */
export function startDiscovery(options: ControllerOptions, of: OpenFlowServer, store: Store, mayWrite: (dpid: string) => boolean): FabricDiscovery {
  const topoSettings = options.topology ?? {};
  const channelIo = channelTopologySource(of);
  // A slave's packet-outs are refused by the switch: only the master probes and answers.
  const sendPacketOut: SendPacketOut = (dpid, port, frame) => (mayWrite(dpid) ? channelIo.sendPacketOut(dpid, port, frame) : false);
  const boundPorts = new ModelBoundPorts(store);
  const topology = new TopologyService({
    source: channelIo.source,
    sendPacketOut,
    boundPorts,
    logger: options.logger,
    ...(topoSettings.description ? { description: topoSettings.description } : {}),
    ...(topoSettings.secret ? { secret: topoSettings.secret } : {}),
    ...(topoSettings.probeIntervalMs ? { intervalMs: topoSettings.probeIntervalMs } : {}),
    ...(topoSettings.maxProbesPerSecond ? { maxProbesPerSecond: topoSettings.maxProbesPerSecond } : {}),
    // Missing described links are reported once the start-up hold is over, not while first probes run.
    reportAfterMs: options.reconcile?.maxHoldMs ?? 15_000,
  });
  topology.start();
  return { topology, boundPorts, sendPacketOut };
}
