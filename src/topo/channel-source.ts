// Connects the topology service to the OpenFlow listener: switch, port and
// packet-in events in, probe packet-outs back. The listener is typed
// structurally so topo/ does not load the channel code.
import { NO_BUFFER, OFP10_VERSION, Port } from '../openflow/wire-values.js';
import { PortConfig, PortState } from '../openflow/stats-model.js';
import type { OfVersion } from '../openflow/wire-values.js';
import type { PacketIn, PacketOut, PortStatus } from '../openflow/message-model.js';
import type { GroupFeatures, PortDesc } from '../openflow/stats-model.js';
import { OFPGT } from '../openflow/of13/constants.js';
import type { PortInfo, PortStatusReason } from './discovery-types.js';
import type { SendPacketOut, TopologyEventSource, TopologySourceEvents } from './service.js';
import type { GroupSupport } from './types.js';

/** A switch's connection as the adapter hears it: `groups` is its OFPMP_GROUP_FEATURES reply (OF1.3), absent when it gave none. */
export interface ConnectedSwitch {
  dpid: string;
  version: OfVersion;
  ports: PortDesc[];
  groups?: GroupFeatures | undefined;
}

/** What the adapter needs from OpenFlowServer (src/channel/server.ts). */
export interface SwitchEventEmitter {
  on(event: 'switchConnected', listener: (ev: ConnectedSwitch) => void): unknown;
  on(event: 'switchDisconnected', listener: (ev: { dpid: string }) => void): unknown;
  on(event: 'portStatus', listener: (ev: { dpid: string; message: PortStatus }) => void): unknown;
  on(event: 'packetIn', listener: (ev: { dpid: string; message: PacketIn }) => void): unknown;
  off(event: 'switchConnected', listener: (ev: ConnectedSwitch) => void): unknown;
  off(event: 'switchDisconnected', listener: (ev: { dpid: string }) => void): unknown;
  off(event: 'portStatus', listener: (ev: { dpid: string; message: PortStatus }) => void): unknown;
  off(event: 'packetIn', listener: (ev: { dpid: string; message: PacketIn }) => void): unknown;
  get(dpid: string): { send(msg: Omit<PacketOut, 'version' | 'xid'>): { ok: boolean } } | undefined;
}

/** OFPPR_ADD 0, OFPPR_DELETE 1, OFPPR_MODIFY 2. */
const REASONS: Record<number, PortStatusReason> = { 0: 'add', 1: 'delete', 2: 'modify' };

export function portInfo(desc: PortDesc): PortInfo {
  const up = (desc.config & PortConfig.PORT_DOWN) === 0 && (desc.state & PortState.LINK_DOWN) === 0;
  return { portNo: desc.portNo, name: desc.name, up, hwAddr: desc.hwAddr };
}

/** OFPAT_OUTPUT's bit in a group type's action bitmap: every bucket Spotlight writes outputs. */
const OUTPUT_ACTION = 1 << 0;

/**
 * The groups a switch holds, from its group features: per type, its
 * max_groups where the type's bit is set and its buckets can output; none
 * at all without a reply (a switch that refused or ignored the question).
 */
export function groupSupport(f: GroupFeatures | undefined): GroupSupport {
  const of = (type: number): number => (f && (f.types & (1 << type)) !== 0 && (f.actions[type]! & OUTPUT_ACTION) !== 0 ? f.maxGroups[type]! : 0);
  return { select: of(OFPGT.select), fastFailover: of(OFPGT.ff) };
}

export function channelTopologySource(server: SwitchEventEmitter): { source: TopologyEventSource; sendPacketOut: SendPacketOut } {
  const source: TopologyEventSource = {
    subscribe<K extends keyof TopologySourceEvents>(event: K, listener: (ev: TopologySourceEvents[K]) => void): () => void {
      const emit = listener as (ev: TopologySourceEvents[keyof TopologySourceEvents]) => void;
      switch (event) {
        case 'switchConnected': {
          const h = (ev: ConnectedSwitch) =>
            emit({ dpid: ev.dpid, version: ev.version, ports: ev.ports.map(portInfo), ...(ev.version !== OFP10_VERSION ? { groups: groupSupport(ev.groups) } : {}) });
          server.on('switchConnected', h);
          return () => void server.off('switchConnected', h);
        }
        case 'switchDisconnected': {
          const h = (ev: { dpid: string }) => emit({ dpid: ev.dpid });
          server.on('switchDisconnected', h);
          return () => void server.off('switchDisconnected', h);
        }
        case 'portStatus': {
          const h = (ev: { dpid: string; message: PortStatus }) => {
            const reason = REASONS[ev.message.reason];
            if (reason) emit({ dpid: ev.dpid, port: portInfo(ev.message.desc), reason });
          };
          server.on('portStatus', h);
          return () => void server.off('portStatus', h);
        }
        case 'packetIn': {
          const h = (ev: { dpid: string; message: PacketIn }) =>
            emit({ dpid: ev.dpid, inPort: ev.message.inPort, data: ev.message.data });
          server.on('packetIn', h);
          return () => void server.off('packetIn', h);
        }
        default:
          return () => undefined;
      }
    },
  };
  const sendPacketOut: SendPacketOut = (dpid, portNo, frame) => {
    const conn = server.get(dpid);
    if (!conn) return false;
    return conn.send({ type: 'packetOut', bufferId: NO_BUFFER, inPort: Port.CONTROLLER, actions: [{ type: 'output', port: portNo }], data: frame }).ok;
  };
  return { source, sendPacketOut };
}
