// Envoy resources as plain objects, the shape every consumer of @meshlet/xds reads (the contract with
// the mesh mapping): protobufjs' toObject with numbers for 64-bit integers, enum names as strings,
// no defaults, the set member of each oneof named; and every google.protobuf.Any inside replaced by
// `{ '@type': typeUrl, ...its fields }` when its type is loaded, `{ '@type', value: Buffer }` when
// not. Bytes that are not the message they claim to be give a typed RpcError, never a crash.
import protobuf from 'protobufjs';
import { Code, RpcError } from '@meshlet/core';
import { typeOf } from '../protos/envoy-root.js';

/** A decoded resource (or any message): camelCase fields; Anys carry '@type'. */
export type XdsObject = { readonly [field: string]: unknown };

export const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: false, oneofs: true };

/** Anys inside Anys deeper than this are refused: a real config nests a few; garbage could nest a lot. */
const MAX_ANY_DEPTH = 32;

const ANY = '.google.protobuf.Any';

/** Decodes `bytes` as the message `typeUrl` names. Throws RpcError BAD_RESPONSE. */
export function decodeMessage(typeUrl: string, bytes: Uint8Array): XdsObject {
  const type = typeOf(typeUrl);
  if (type === undefined) throw new RpcError(Code.BadResponse, `xDS: unknown resource type ${typeUrl || '(none)'}`);
  return decodeAs(type, bytes, 0);
}

/**
 * protobufjs' bundled google.protobuf.Any keeps the proto's field name `type_url` (its other
 * bundled types are camelCase); accept either, so objects built by hand read the same.
 */
export interface AnyLike {
  readonly type_url?: string;
  readonly typeUrl?: string;
  readonly value?: Uint8Array;
}

export function anyTypeUrl(any: AnyLike): string {
  return any.type_url ?? any.typeUrl ?? '';
}

/** An Any's plain form: decoded when its type is loaded, else its bytes under `value`. */
export function anyToObject(any: AnyLike, depth = 0): XdsObject {
  const typeUrl = anyTypeUrl(any);
  const value = any.value ?? new Uint8Array(0);
  const type = typeOf(typeUrl);
  if (type === undefined) return { '@type': typeUrl, value: Buffer.from(value) };
  return { '@type': typeUrl, ...decodeAs(type, value, depth + 1) };
}

function decodeAs(type: protobuf.Type, bytes: Uint8Array, depth: number): XdsObject {
  if (depth > MAX_ANY_DEPTH) throw new RpcError(Code.BadResponse, `xDS: Any nested deeper than ${MAX_ANY_DEPTH}`);
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (err) {
    throw new RpcError(Code.BadResponse, `xDS: not a valid ${type.fullName.slice(1)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return expandAnys(type, type.toObject(message, TO_OBJECT), depth);
}

// Walks the object along its type's fields (not by shape: a message of its own may well have fields
// named typeUrl and value) and replaces each Any.
function expandAnys(type: protobuf.Type, object: Record<string, unknown>, depth: number): XdsObject {
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    const t = field.resolvedType;
    if (!(t instanceof protobuf.Type)) continue;
    const one = (v: unknown): unknown =>
      t.fullName === ANY ? anyToObject(v as AnyLike, depth) : expandAnys(t, v as Record<string, unknown>, depth);
    if (field.map) {
      const map = value as Record<string, unknown>;
      for (const k of Object.keys(map)) map[k] = one(map[k]);
    } else if (field.repeated) {
      object[field.name] = (value as unknown[]).map(one);
    } else {
      object[field.name] = one(value);
    }
  }
  return object;
}
