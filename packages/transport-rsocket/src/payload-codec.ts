import { Code, RpcError, type MethodDefinition } from '@meshlet/core';
import { jsonCodec, located, type JsonCodec } from './json-codec.js';
import { LONG_JSON_STRING, quotedJsonString, utf8Text } from './json-string.js';
import { protobufMethodOf, type ProtobufMethod } from './protobuf.js';

export const JSON_MIME = 'application/json';
export const PROTOBUF_MIME = 'application/x-protobuf';

const EMPTY = Buffer.alloc(0);
const NOTHING = '';

/**
 * How one method's arguments and result (or stream items) become payload data. Built once per
 * method. Encoding a value that does not fit its descriptor throws SERIALIZATION; decoding throws
 * SERIALIZATION too, and the caller says whose fault it was (BAD_REQUEST on the provider,
 * BAD_RESPONSE on the consumer).
 *
 * JSON data is shaped for Spring's `@MessageMapping` methods, which take one payload: no
 * parameters → empty data, one → that value, several → an array of them; a void result → empty.
 */
export interface MethodCodec {
  /** The data MIME type. */
  readonly mime: string;
  /** Payload data: JSON text as a string (the frame writer encodes it in place), protobuf as bytes. */
  encodeArgs(args: readonly unknown[]): Data;
  decodeArgs(data: Buffer | null): unknown[];
  encodeResult(value: unknown): Data;
  decodeResult(data: Buffer | null): unknown;
}

export type Data = Buffer | string;

const cache = new WeakMap<MethodDefinition, MethodCodec>();

export function methodCodec(method: MethodDefinition): MethodCodec {
  let codec = cache.get(method);
  if (codec === undefined) {
    const proto = protobufMethodOf(method);
    codec = proto ? new ProtobufCodec(method, proto) : new JsonMethodCodec(method);
    cache.set(method, codec);
  }
  return codec;
}

class JsonMethodCodec implements MethodCodec {
  readonly mime = JSON_MIME;
  private readonly params: readonly JsonCodec[];
  private readonly result: JsonCodec;
  private readonly void: boolean;
  /** A lone string parameter / a string result: read without JSON.parse when it has no escapes. */
  private readonly stringArg: boolean;
  private readonly stringResult: boolean;

  constructor(private readonly method: MethodDefinition) {
    this.params = method.params.map(jsonCodec);
    this.result = jsonCodec(method.returns);
    this.void = method.returns.kind === 'void';
    this.stringArg = method.params.length === 1 && method.params[0]!.kind === 'string';
    this.stringResult = method.returns.kind === 'string';
  }

  encodeArgs(args: readonly unknown[]): Data {
    const params = this.params;
    if (params.length === 0) return NOTHING;
    let i = 0;
    try {
      if (params.length === 1) return json(params[0]!.encode(args[0]));
      const out = new Array<unknown>(params.length);
      for (; i < params.length; i++) out[i] = params[i]!.encode(args[i]);
      return json(out);
    } catch (err) {
      throw located(err, `${this.method.name} argument ${i}`);
    }
  }

  decodeArgs(data: Buffer | null): unknown[] {
    const params = this.params;
    if (params.length === 0) return [];
    if (this.stringArg) {
      const s = plainString(data);
      if (s !== undefined) return [s];
    }
    const parsed = parse(data);
    let i = 0;
    try {
      if (params.length === 1) return [params[0]!.decode(parsed)];
      if (!Array.isArray(parsed) || parsed.length !== params.length) {
        throw new RpcError(Code.Serialization, `${this.method.name} takes ${params.length} arguments as a JSON array`);
      }
      const out = new Array<unknown>(params.length);
      for (; i < params.length; i++) out[i] = params[i]!.decode(parsed[i]);
      return out;
    } catch (err) {
      throw located(err, `${this.method.name} argument ${i}`);
    }
  }

  encodeResult(value: unknown): Data {
    if (this.void) return NOTHING;
    try {
      return json(this.result.encode(value));
    } catch (err) {
      throw located(err, `${this.method.name} result`);
    }
  }

  decodeResult(data: Buffer | null): unknown {
    if (this.void) return undefined;
    if (this.stringResult) {
      const s = plainString(data);
      if (s !== undefined) return s;
    }
    const parsed = parse(data);
    try {
      return this.result.decode(parsed);
    } catch (err) {
      throw located(err, `${this.method.name} result`);
    }
  }
}

/** JSON text; a long string that needs no escape as the UTF-8 bytes of the data, written once. */
function json(value: unknown): Data {
  if (typeof value === 'string' && value.length >= LONG_JSON_STRING) {
    const quoted = quotedJsonString(value);
    if (quoted !== undefined) return quoted;
  }
  return JSON.stringify(value);
}

/**
 * `"…"` with no backslash and no quote inside is that text exactly: one string, no parse. (Raw
 * control characters, which JSON forbids, are let through: lenient, and lossless.)
 */
function plainString(data: Buffer | null): string | undefined {
  if (data === null || data.length < 2) return undefined;
  const last = data.length - 1;
  if (data[0] !== 0x22 || data[last] !== 0x22 || data.indexOf(0x5c) !== -1 || data.indexOf(0x22, 1) !== last) return undefined;
  return utf8Text(data, 1, last);
}

/** Empty data is JSON `null` (a nullable value Spring sent as nothing). */
function parse(data: Buffer | null): unknown {
  if (data === null || data.length === 0) return null;
  try {
    return JSON.parse(utf8Text(data, 0, data.length));
  } catch (err) {
    throw new RpcError(Code.Serialization, `payload is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

class ProtobufCodec implements MethodCodec {
  readonly mime = PROTOBUF_MIME;

  constructor(private readonly method: MethodDefinition, private readonly proto: ProtobufMethod) {}

  encodeArgs(args: readonly unknown[]): Data {
    return asBuffer(this.proto.request.encode(args[0]));
  }

  decodeArgs(data: Buffer | null): unknown[] {
    return [this.proto.request.decode(data ?? EMPTY)];
  }

  encodeResult(value: unknown): Data {
    const response = this.proto.response;
    if (response === undefined) return NOTHING;
    if (value === null || value === undefined) {
      throw new RpcError(Code.Serialization, `${this.method.name} result: a protobuf result cannot be null`);
    }
    return asBuffer(response.encode(value));
  }

  decodeResult(data: Buffer | null): unknown {
    const response = this.proto.response;
    return response === undefined ? undefined : response.decode(data ?? EMPTY);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
