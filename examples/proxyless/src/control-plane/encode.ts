// Envoy resources from plain objects (camelCase, enums by name, Durations as { seconds, nanos }),
// encoded with the same Envoy .proto files @meshlet/xds decodes them with.
import protobuf from 'protobufjs';
import { envoyRoot } from '@meshlet/xds';

export type Plain = { readonly [field: string]: unknown };
/** A google.protobuf.Any (protobufjs' built-in Any keeps proto field names: `type_url`). */
export interface Packed { readonly type_url: string; readonly value: Uint8Array }

const T = 'type.googleapis.com/';
export const HCM = `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const ROUTER = `${T}envoy.extensions.filters.http.router.v3.Router`;
export const FAULT = `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`;

export function messageType(typeUrl: string): protobuf.Type {
  return envoyRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
}

/** `value` as an Any of `typeUrl`. A field the message does not have throws: fromObject would drop it silently. */
export function pack(typeUrl: string, value: Plain): Packed {
  const type = messageType(typeUrl);
  checkFields(type, value, type.name);
  return { type_url: typeUrl, value: type.encode(type.fromObject(value)).finish() };
}

function checkFields(type: protobuf.Type, value: Plain, at: string): void {
  if (type.fullName === '.google.protobuf.Any') return; // packed already
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (field === undefined) throw new Error(`example control plane: ${at} has no field ${key}`);
    const child = field.resolve().resolvedType;
    if (!(child instanceof protobuf.Type) || v === null || typeof v !== 'object') continue;
    const items = field.repeated ? (v as unknown[]) : field.map ? Object.values(v) : [v];
    for (const item of items) checkFields(child, item as Plain, `${at}.${key}`);
  }
}

/** A Duration from milliseconds. */
export const ms = (n: number) => ({ seconds: Math.floor(n / 1000), nanos: (n % 1000) * 1e6 });
