// What the API reads from the rest of the controller, as small interfaces
// with empty defaults so that the API also runs on its own.

export interface SwitchPortInfo {
  number: number;
  name: string;
  up: boolean;
}

export interface SwitchInfo {
  /** 16 lower-case hex digits. */
  dpid: string;
  /** Negotiated OpenFlow version ("1.0", "1.3"), null while never connected. */
  version: string | null;
  connected: boolean;
  ports: SwitchPortInfo[];
  flowCount: number;
  /** Highest model generation whose flows this switch has confirmed, null if none. */
  realizedGeneration: number | null;
}

export interface SwitchDirectory {
  list(): SwitchInfo[];
}

export interface LinkEndInfo {
  switch: string;
  port: string | number;
}

export interface TopologyView {
  links(): { a: LinkEndInfo; b: LinkEndInfo }[];
}

export const emptySwitchDirectory: SwitchDirectory = { list: () => [] };
export const emptyTopologyView: TopologyView = { links: () => [] };
