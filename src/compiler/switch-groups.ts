// A switch's OpenFlow 1.3 groups and their ids, from its routes and its
// ports: the SELECT group of each set of two next hops or more; with fast
// failover, the FAST_FAILOVER group of each lone next hop of a label it
// carries and sends back (src/compiler/routes.ts); where it sends frames up
// again, which fabric port a frame sent back to it leaves by. Ids are a pure
// function of the switch's set of group keys (fabric.ts, assignGroups).
import { GROUP_ANY, Port } from '../openflow/wire-values.js';
import { type Bucket, type GroupType } from '../openflow/flow-model.js';
import { assignGroups, FAILOVER_KEY } from './fabric.js';

/** The buckets of a SELECT group over `hops`: one per next-hop port, each watching its port (the switch skips a dead one). */
export function selectBuckets(hops: readonly number[]): Bucket[] {
  return hops.map((p) => ({ weight: 1, watchPort: p, watchGroup: GROUP_ANY, actions: [{ type: 'output', port: p }] }));
}

/**
 * The buckets of the FAST_FAILOVER group of a lone next hop: out the hop
 * while it is up; then back out the port the frame came in on, while either
 * of two other fabric ports is up (OpenFlow cannot watch "the ingress
 * port", and a bucket must watch something).
 */
export function failoverBuckets(hop: number, watch: readonly number[]): Bucket[] {
  return [
    { weight: 0, watchPort: hop, watchGroup: GROUP_ANY, actions: [{ type: 'output', port: hop }] },
    ...watch.map((w): Bucket => ({ weight: 0, watchPort: w, watchGroup: GROUP_ANY, actions: [{ type: 'output', port: Port.IN_PORT }] })),
  ];
}

/** The other fabric ports a failover group's send-back buckets watch: the two lowest besides the hop. */
export function failoverWatch(hop: number, fabricPorts: readonly number[]): number[] {
  const out: number[] = [];
  for (const p of fabricPorts) {
    if (p === hop) continue;
    out.push(p);
    if (out.length === 2) break;
  }
  return out;
}

/**
 * Whether a switch sends frames that a neighbour sent back up another fabric
 * port: an OF1.3 switch with access ports (where frames enter the fabric,
 * so where they come back to) and at least two fabric ports.
 */
export function sendsUpAgain(of13: boolean, accessPorts: readonly number[], fabricPorts: readonly number[]): boolean {
  return of13 && accessPorts.length > 0 && fabricPorts.length >= 2;
}

export interface SwitchGroups {
  /** Whether SELECT and FAST_FAILOVER groups were made (GroupFeatures). */
  usesSelect: boolean;
  usesFailover: boolean;
  /** The SELECT group of each next-hop set, by the routes' interned array (FabricRoutes.hops). */
  byHops: Map<readonly number[], number>;
  /** Every group the switch may need. */
  groups: { groupId: number; groupType: GroupType; buckets: Bucket[] }[];
  /** The failover group of each lone next hop that sends back. */
  failover: Map<number, number>;
  /** Where frames sent back to the switch go up again (sentUpAgain). */
  sentBack: SentBack[];
}

/** A frame sent back that arrives on `inPort` (any fabric port when absent) leaves by `hop`. */
export interface SentBack {
  inPort?: number;
  hop: number;
}

/**
 * Where a switch that sends frames up again sends them: those that come back
 * on its lowest fabric port go up the next one; those that come back on any
 * other fabric port go up the lowest. Two flows whatever the number of
 * fabric ports, and never out the port a frame came in on (OpenFlow drops
 * such an output).
 */
export function sentUpAgain(fabricPorts: readonly number[]): SentBack[] {
  const [first, second] = fabricPorts;
  return first === undefined || second === undefined ? [] : [{ inPort: first, hop: second }, { hop: first }];
}

/** Bucket lists shared by every switch that has the same group: by next-hop array, and by group key. */
export class BucketLists {
  private readonly byHops = new Map<readonly number[], Bucket[]>();
  private readonly byKey = new Map<string, Bucket[]>();

  select(hops: readonly number[]): Bucket[] {
    let b = this.byHops.get(hops);
    if (!b) this.byHops.set(hops, (b = selectBuckets(hops)));
    return b;
  }

  keyed(key: string, make: () => Bucket[]): Bucket[] {
    let b = this.byKey.get(key);
    if (!b) this.byKey.set(key, (b = make()));
    return b;
  }
}

export interface GroupFeatures {
  of13: boolean;
  /** SELECT groups: each set of two next hops or more gets one. */
  select: boolean;
  /** FAST_FAILOVER groups: each lone next hop that sends back gets one. */
  failover: boolean;
  fabricPorts: readonly number[];
  accessPorts: readonly number[];
}

export function switchGroups(ways: Iterable<{ hops: readonly number[]; transit: boolean; sendsBack: boolean }>, sw: GroupFeatures, lists: BucketLists): SwitchGroups {
  const kinds = new Map<string, { groupType: GroupType; buckets: () => Bucket[] }>();
  // Equal hop lists are one array (FabricRoutes.hops): the key text is made once per distinct list.
  const selects = new Set<readonly number[]>();
  const failover = new Map<number, string>();
  for (const { hops, transit, sendsBack } of ways) {
    if (hops.length > 1) {
      if (sw.select) selects.add(hops);
      continue;
    }
    const hop = hops[0]!;
    if (!sw.failover || !transit || !sendsBack || failover.has(hop)) continue;
    const watch = failoverWatch(hop, sw.fabricPorts);
    if (watch.length === 0) continue;
    const key = `${FAILOVER_KEY}${[hop, ...watch].join(',')}`;
    failover.set(hop, key);
    kinds.set(key, { groupType: 'ff', buckets: () => lists.keyed(key, () => failoverBuckets(hop, watch)) });
  }
  const selectKeys = new Map<readonly number[], string>();
  for (const hops of selects) {
    const key = hops.join(',');
    selectKeys.set(hops, key);
    if (!kinds.has(key)) kinds.set(key, { groupType: 'select', buckets: () => lists.select(hops) });
  }
  const ids = assignGroups(kinds.keys());
  return {
    usesSelect: sw.select,
    usesFailover: sw.failover,
    byHops: new Map([...selectKeys].map(([hops, key]) => [hops, ids.get(key)!])),
    groups: [...kinds].map(([key, k]) => ({ groupId: ids.get(key)!, groupType: k.groupType, buckets: k.buckets() })),
    failover: new Map([...failover].map(([hop, key]) => [hop, ids.get(key)!])),
    sentBack: sendsUpAgain(sw.of13, sw.accessPorts, sw.fabricPorts) ? sentUpAgain(sw.fabricPorts) : [],
  };
}
