// The index a snapshot's networks map owns (model/indexed-map.ts): the
// segments in use (segments.ts), and the gateways bound to each switch port.
// `networksWith` and `networksWithout` update the map and carry the index over
// at the cost of the network that changed; a map read back from a store or an
// import gets its index built once, on first use.
import { IndexedMap, type ValueIndex } from './indexed-map.js';
import { portKey } from './membership.js';
import { buildNameSets, updateNameSets, type NameSets } from './name-set.js';
import { SegmentIndex } from './segments.js';
import type { Network, PortRef } from './types.js';

interface NetworkIndex {
  segments: SegmentIndex;
  /** portKey(switch, port) -> the gateways bound there, as "gateway MAC of network NAME". */
  gatewayPorts: NameSets;
}

function gatewaysOf(n: Network): [string, string][] {
  return n.gateways.map((g) => [portKey(g.switch, g.port), `gateway ${g.mac} of network ${n.name}`]);
}

const NETWORK_INDEX: ValueIndex<Network, NetworkIndex> = {
  build(networks) {
    const all = [...networks];
    return { segments: SegmentIndex.of(all.map((n) => n.segment)), gatewayPorts: buildNameSets(all.flatMap(gatewaysOf)) };
  },
  update(idx, before, after) {
    let segments = before && before.segment !== after?.segment ? idx.segments.without(before.segment) : idx.segments;
    if (after) segments = segments.with(after.segment);
    return { segments, gatewayPorts: updateNameSets(idx.gatewayPorts, before ? gatewaysOf(before) : [], after ? gatewaysOf(after) : []) };
  },
};

/** A networks map with its index (`networks` itself when it has one). */
export function networkTable(networks: ReadonlyMap<string, Network>): IndexedMap<Network, NetworkIndex> {
  return IndexedMap.of(NETWORK_INDEX, networks);
}

/** The lowest free segment of a networks map, or undefined when all MAX_SEGMENT are taken. */
export function lowestFreeSegment(networks: ReadonlyMap<string, Network>): number | undefined {
  return IndexedMap.indexOf(NETWORK_INDEX, networks).segments.lowestFree();
}

/** The gateways bound to a switch port, as "gateway MAC of network NAME". */
export function gatewaysOnPort(networks: ReadonlyMap<string, Network>, sw: string, port: PortRef): ReadonlySet<string> {
  return IndexedMap.indexOf(NETWORK_INDEX, networks).gatewayPorts.get(portKey(sw, port)) ?? new Set();
}

/** `networks` with `net` set under `name`; the index follows when the old map had one. */
export function networksWith(networks: ReadonlyMap<string, Network>, name: string, net: Network): IndexedMap<Network, NetworkIndex> {
  return networkTable(networks).with(name, net);
}

/** `networks` without `name`; the index follows when the old map had one. */
export function networksWithout(networks: ReadonlyMap<string, Network>, name: string): IndexedMap<Network, NetworkIndex> {
  return networkTable(networks).without(name);
}
