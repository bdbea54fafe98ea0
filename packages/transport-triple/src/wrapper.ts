import { Code, RpcError } from '@meshlet/core';
import { fields, lengthDelimited } from './proto-wire.js';

/**
 * Dubbo 3's wrapped mode, for Java interfaces without IDL (dubbo-rpc-triple's TripleWrapper.proto):
 *
 * ```proto
 * message TripleRequestWrapper  { string serializeType = 1; repeated bytes args = 2; repeated string argTypes = 3; }
 * message TripleResponseWrapper { string serializeType = 1; bytes data = 2; string type = 3; }
 * ```
 *
 * Each argument is its own serialized value (Meshlet: hessian2); `argTypes` are the Java
 * parameter classes as `Class.getName()` spells them, which pick the overload. Java writes
 * `hessian4` as the serializeType of its hessian2 (Dubbo renames it in the wrapper); we send that
 * and read `hessian2` too.
 */
export interface RequestWrapper {
  readonly serializeType: string;
  readonly args: readonly Uint8Array[];
  readonly argTypes: readonly string[];
}

export interface ResponseWrapper {
  readonly serializeType: string;
  readonly data: Uint8Array;
  readonly type: string;
}

export const WIRE_HESSIAN = 'hessian4';
const HESSIAN_NAMES: ReadonlySet<string> = new Set(['hessian4', 'hessian2', '']);

export function isHessian(serializeType: string): boolean {
  return HESSIAN_NAMES.has(serializeType);
}

export function encodeRequestWrapper(w: RequestWrapper): Buffer {
  const parts: Buffer[] = [lengthDelimited(1, Buffer.from(w.serializeType, 'utf8'))];
  for (const a of w.args) parts.push(lengthDelimited(2, a));
  for (const t of w.argTypes) parts.push(lengthDelimited(3, Buffer.from(t, 'utf8')));
  return Buffer.concat(parts);
}

export function decodeRequestWrapper(bytes: Uint8Array): RequestWrapper {
  let serializeType = '';
  const args: Uint8Array[] = [];
  const argTypes: string[] = [];
  for (const [field, value] of fields(bytes, bad)) {
    if (typeof value === 'number') continue;
    if (field === 1) serializeType = text(value);
    else if (field === 2) args.push(value);
    else if (field === 3) argTypes.push(text(value));
  }
  return { serializeType, args, argTypes };
}

export function encodeResponseWrapper(w: ResponseWrapper): Buffer {
  return Buffer.concat([
    lengthDelimited(1, Buffer.from(w.serializeType, 'utf8')),
    lengthDelimited(2, w.data),
    ...(w.type === '' ? [] : [lengthDelimited(3, Buffer.from(w.type, 'utf8'))]),
  ]);
}

export function decodeResponseWrapper(bytes: Uint8Array): ResponseWrapper {
  let serializeType = '';
  let data: Uint8Array = new Uint8Array(0);
  let type = '';
  for (const [field, value] of fields(bytes, bad)) {
    if (typeof value === 'number') continue;
    if (field === 1) serializeType = text(value);
    else if (field === 2) data = value;
    else if (field === 3) type = text(value);
  }
  return { serializeType, data, type };
}

function text(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

function bad(what: string): RpcError {
  return new RpcError(Code.Serialization, `malformed Triple wrapper: ${what}`);
}
