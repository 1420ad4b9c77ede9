// What a model operation returns, and the inputs the hooks and writes carry.
import type { ModelError } from './errors.js';
import type { SwitchNameLookup } from './ident.js';
import type { ModelChange, ModelSnapshot } from './types.js';

export type OpResult =
  | { ok: true; snapshot: ModelSnapshot; changes: ModelChange[] }
  | { ok: false; error: ModelError };

export interface OpContext {
  /** Switch names from the topology settings; none by default. */
  lookupSwitch?: SwitchNameLookup;
}

export interface GatewayInput {
  mac: string;
  ips: string[];
  switch: string;
  port: string | number;
}

export interface NetworkInput {
  tenant: string;
  kind: string;
  cidrs?: string[];
  /** Absent or undefined: the network names no DHCP server. */
  dhcp?: { mac: string; ip: string } | undefined;
  gateways?: GatewayInput[];
}

export interface InterfaceInput {
  mac: string;
  ips?: string[];
  network: string;
  switch: string;
  port: string | number;
}

export interface VmStartInput {
  vm: string;
  tenant: string;
  interfaces: InterfaceInput[];
}

export interface MigrationStartInput {
  vm: string;
  interfaces: { mac: string; switch: string; port: string | number }[];
}

export interface RelationInput {
  vms: string[];
  /** Only when restoring an exported relation: the tenants it was made for (its VMs may be stopped). */
  tenants?: (string | null)[];
}

/** Structural equality of plain model records (objects built with a fixed key order). */
export function sameRecord(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
