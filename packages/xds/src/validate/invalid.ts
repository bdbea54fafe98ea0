// A resource that decodes but that a client cannot use: NACKed with this message (gRPC's rules).
// An RpcError BAD_RESPONSE like every other refusal of what a control plane sent.
import { Code, RpcError } from '@meshlet/core';

export class InvalidResource extends RpcError {
  constructor(readonly resourceName: string | undefined, message: string) {
    super(Code.BadResponse, resourceName === undefined ? message : `${resourceName}: ${message}`);
  }
}

type Obj = { readonly [k: string]: unknown };

export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Obj) : undefined;
}

export function list(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A google.protobuf.UInt32Value / BoolValue ... as toObject gives it: `{ value }`, or undefined. */
export function wrapped(v: unknown): unknown {
  return obj(v)?.['value'];
}

export type { Obj };
