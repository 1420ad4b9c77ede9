// What goes into the event stream, from the parts of a running controller:
// model commits (and the migrations among them), switch sessions, fabric
// links as discovery finds and loses them, and each switch confirming a
// generation. Spoof-drop surges come from spoof-watch.ts.
import type { ModelChange, ModelCommit, Vm } from '../model/types.js';
import { versionName, type OfVersion } from '../openflow/wire-values.js';
import { linkKey, orderLink } from '../topo/link.js';
import type { Link, TopologyEvent, TopologySnapshot } from '../topo/types.js';
import type { EventBus } from './bus.js';

export interface EventSources {
  store: { onCommit(l: (c: ModelCommit) => void): () => void };
  openflow: {
    on(event: 'switchConnected', l: (ev: { dpid: string; version: OfVersion }) => void): unknown;
    on(event: 'switchDisconnected', l: (ev: { dpid: string; reason: string }) => void): unknown;
    off(event: string, l: (...args: never[]) => void): unknown;
  };
  topology: { snapshot(): TopologySnapshot; onChange(l: (s: TopologySnapshot, events?: readonly TopologyEvent[]) => void): () => void };
  realization: { onRealized(l: (dpid: string, generation: number) => void): () => void };
}

function action(c: ModelChange): 'created' | 'updated' | 'deleted' {
  return !c.before ? 'created' : !c.after ? 'deleted' : 'updated';
}

/** The migration step a VM change is, if any; `held`: one side's agent asked for a migration the other has not (agent tokens). */
export function migrationPhase(before: Vm | undefined, after: Vm | undefined): 'started' | 'activated' | 'ended' | 'aborted' | 'held' | undefined {
  const moved = migrationStep(before, after);
  if (moved) return moved;
  const held = after?.heldMigration;
  return held && JSON.stringify(held) !== JSON.stringify(before?.heldMigration) ? 'held' : undefined;
}

function migrationStep(before: Vm | undefined, after: Vm | undefined): 'started' | 'activated' | 'ended' | 'aborted' | undefined {
  const was = before?.migration;
  const is = after?.migration;
  if (is && !was) return 'started';
  if (is && was) return is.activated && !was.activated ? 'activated' : JSON.stringify(is.destinations) !== JSON.stringify(was.destinations) ? 'started' : undefined;
  if (was && !is && after) {
    // migration-end moves the interfaces to the destination; abort leaves them.
    const moved = was.destinations.every((d) => after.interfaces.some((i) => i.mac === d.mac && i.switch === d.switch && i.port === d.port));
    return moved ? 'ended' : 'aborted';
  }
  return undefined;
}

interface LinkView {
  key: string;
  a: { switch: string; port: string | number };
  b: { switch: string; port: string | number };
}

/** The same key whichever end a feed names first. */
const keyOf = (l: Link): string => linkKey(orderLink(l.a, l.b));

function viewOf(snap: TopologySnapshot, link: Link): LinkView {
  const l = orderLink(link.a, link.b);
  const name = (dpid: string, portNo: number): string | number => snap.switches.get(dpid)?.ports.get(portNo)?.name ?? portNo;
  return { key: keyOf(l), a: { switch: l.a.dpid, port: name(l.a.dpid, l.a.portNo) }, b: { switch: l.b.dpid, port: name(l.b.dpid, l.b.portNo) } };
}

function linksOf(snap: TopologySnapshot): Map<string, LinkView> {
  const out = new Map<string, LinkView>();
  for (const l of snap.links) out.set(keyOf(l), viewOf(snap, l));
  return out;
}

/** Subscribes the bus to the controller's parts; returns the unsubscribe. */
export function attachEventSources(bus: EventBus, src: EventSources): () => void {
  const offCommit = src.store.onCommit((c) => {
    bus.publish('model', { generation: c.generation, changes: c.changes.map((ch) => ({ kind: ch.kind, id: ch.id, action: action(ch) })) });
    for (const ch of c.changes) {
      if (ch.kind !== 'vm') continue;
      const phase = migrationPhase(ch.before, ch.after);
      if (!phase) continue;
      const held = phase === 'held' ? ch.after?.heldMigration : undefined;
      const dest = (held ?? ch.after?.migration ?? ch.before?.migration)?.destinations ?? [];
      const destinations = dest.map((d) => ({ mac: d.mac, switch: d.switch, port: d.port }));
      bus.publish('migration', { generation: c.generation, vm: ch.id, phase, destinations, ...(held ? { askedBy: held.askedBy } : {}) });
    }
  });
  const onUp = (ev: { dpid: string; version: OfVersion }): void => void bus.publish('switch-connected', { switch: ev.dpid, version: versionName(ev.version) });
  const onDown = (ev: { dpid: string; reason: string }): void => void bus.publish('switch-disconnected', { switch: ev.dpid, reason: ev.reason });
  src.openflow.on('switchConnected', onUp);
  src.openflow.on('switchDisconnected', onDown);
  let links = linksOf(src.topology.snapshot());
  const offTopo = src.topology.onChange((snap, events) => {
    if (events) {
      // A port's change costs its own events, not a pass over every link.
      for (const e of events) {
        if (e.kind !== 'link') continue;
        const key = keyOf(e.link);
        const known = links.get(key);
        if (e.present && !known) {
          const v = viewOf(snap, e.link);
          links.set(key, v);
          bus.publish('link-up', { a: v.a, b: v.b });
        } else if (!e.present && known) {
          links.delete(key);
          bus.publish('link-down', { a: known.a, b: known.b });
        }
      }
      return;
    }
    const now = linksOf(snap);
    for (const [k, l] of links) if (!now.has(k)) bus.publish('link-down', { a: l.a, b: l.b });
    for (const [k, l] of now) if (!links.has(k)) bus.publish('link-up', { a: l.a, b: l.b });
    links = now;
  });
  const offRealized = src.realization.onRealized((dpid, generation) => void bus.publish('realized', { switch: dpid, generation }));
  return () => {
    offCommit();
    src.openflow.off('switchConnected', onUp);
    src.openflow.off('switchDisconnected', onDown);
    offTopo();
    offRealized();
  };
}
