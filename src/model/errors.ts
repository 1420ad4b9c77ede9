// Typed model errors: a rejected operation is a value with a stable code, the
// HTTP status the API answers with, and the request field at fault.

/** Every code a model operation can answer with, and its HTTP status. */
export const MODEL_ERROR_STATUS = {
  invalid_name: 400,
  invalid_mac: 400,
  invalid_ip: 400,
  invalid_cidr: 400,
  cidr_overlap: 400,
  invalid_switch: 400,
  invalid_port: 400,
  invalid_kind: 400,
  invalid_relation: 400,
  duplicate_interface: 400,
  migration_incomplete: 400,
  network_not_found: 404,
  vm_not_found: 404,
  interface_not_found: 404,
  forbidden: 403,
  mac_in_use: 409,
  ip_in_use: 409,
  ip_outside_cidrs: 409,
  tenant_mismatch: 409,
  network_in_use: 409,
  migration_in_progress: 409,
  segments_exhausted: 409,
} as const;

export type ModelErrorCode = keyof typeof MODEL_ERROR_STATUS;

export interface ModelError {
  status: 400 | 403 | 404 | 409;
  code: ModelErrorCode;
  message: string;
  /** The request field at fault, as a path: "interfaces[0].mac". */
  field?: string;
}

export function modelError(code: ModelErrorCode, message: string, field?: string): ModelError {
  const err: ModelError = { status: MODEL_ERROR_STATUS[code], code, message };
  if (field !== undefined) err.field = field;
  return err;
}
