// The index a snapshot's networks map owns (model/indexed-map.ts): the
// segments in use (segments.ts), and the gateways bound to each switch port.
// `networksWith` and `networksWithout` update the map and carry the index over
// at the cost of the network that changed; a map read back from a store or an
// import gets its index built once, on first use.
import { IndexedMap, type ValueIndex } from './indexed-map.js';
import { portKey } from './membership.js';
import { nameSetOf, withName, withoutName } from './name-set.js';
import { PersistentMap } from './pmap.js';
import { SegmentIndex } from './segments.js';
import type { Network, PortRef } from './types.js';

interface NetworkIndex {
  segments: SegmentIndex;
  /** portKey(switch, port) -> the gateways bound there, as "gateway MAC of network NAME". */
  gatewayPorts: PersistentMap<ReadonlySet<string>>;
}

function gatewaysOf(n: Network): [string, string][] {
  return n.gateways.map((g) => [portKey(g.switch, g.port), `gateway ${g.mac} of network ${n.name}`]);
}

const NETWORK_INDEX: ValueIndex<Network, NetworkIndex> = {
  build(networks) {
    const all = [...networks];
    const ports = new Map<string, Set<string>>();
    for (const n of all) {
      for (const [k, label] of gatewaysOf(n)) {
        let set = ports.get(k);
        if (!set) ports.set(k, (set = new Set()));
        set.add(label);
      }
    }
    return {
      segments: SegmentIndex.of(all.map((n) => n.segment)),
      gatewayPorts: PersistentMap.from<ReadonlySet<string>>([...ports].map(([k, labels]) => [k, nameSetOf(labels)] as const)),
    };
  },
  update(idx, before, after) {
    let segments = before && before.segment !== after?.segment ? idx.segments.without(before.segment) : idx.segments;
    if (after) segments = segments.with(after.segment);
    let gatewayPorts = idx.gatewayPorts;
    for (const [k, label] of before ? gatewaysOf(before) : []) {
      const set = gatewayPorts.get(k);
      const next = set && withoutName(set, label);
      if (set !== undefined && next !== set) gatewayPorts = next !== undefined ? gatewayPorts.with(k, next) : gatewayPorts.without(k);
    }
    for (const [k, label] of after ? gatewaysOf(after) : []) gatewayPorts = gatewayPorts.with(k, withName(gatewayPorts.get(k), label));
    return { segments, gatewayPorts };
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
