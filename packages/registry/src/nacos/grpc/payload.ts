import { Code, RpcError } from '@meshlet/core';

/**
 * Nacos 2.x's one gRPC message (nacos_grpc_service.proto): `Payload { Metadata metadata = 2;
 * google.protobuf.Any body = 3; }`, `Metadata { string type = 3; string clientIp = 8; map<string,
 * string> headers = 7; }`, the body's `value` being the request or response as JSON and `type` its
 * Java class' simple name (`InstanceRequest`, `NotifySubscriberResponse`). Encoded and decoded here
 * by hand: four fields do not need a protobuf runtime.
 */
export interface Payload {
  readonly type: string;
  readonly clientIp: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON bytes of the request or response. */
  readonly body: Uint8Array;
}

/** A payload bigger than this is refused before it is parsed (Nacos' own gRPC limit is 10 MiB). */
export const MAX_PAYLOAD = 10 * 1024 * 1024;

const utf8 = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });

function malformed(why: string): RpcError {
  return new RpcError(Code.Serialization, `nacos grpc payload: ${why}`);
}

export function encodePayload(p: Payload): Buffer {
  const meta: Buffer[] = [];
  if (p.type !== '') meta.push(field(3, utf8.encode(p.type)));
  for (const [k, v] of Object.entries(p.headers)) meta.push(field(7, Buffer.concat([field(1, utf8.encode(k)), field(2, utf8.encode(v))])));
  if (p.clientIp !== '') meta.push(field(8, utf8.encode(p.clientIp)));
  // Any { type_url = 1 (left empty, as nacos-client does), value = 2 }
  const any = p.body.length === 0 ? Buffer.alloc(0) : field(2, p.body);
  return Buffer.concat([field(2, Buffer.concat(meta)), field(3, any)]);
}

/** Decodes one Payload; anything malformed is a SERIALIZATION RpcError, never a crash. */
export function decodePayload(buf: Uint8Array): Payload {
  if (buf.length > MAX_PAYLOAD) throw malformed(`${buf.length} bytes is over ${MAX_PAYLOAD}`);
  let type = '';
  let clientIp = '';
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  let body: Uint8Array = new Uint8Array(0);
  for (const [no, value] of fields(buf)) {
    if (no === 2 && value instanceof Uint8Array) {
      for (const [mno, mv] of fields(value)) {
        if (!(mv instanceof Uint8Array)) continue;
        if (mno === 3) type = text(mv);
        else if (mno === 8) clientIp = text(mv);
        else if (mno === 7) {
          let k = '';
          let v = '';
          for (const [eno, ev] of fields(mv)) {
            if (!(ev instanceof Uint8Array)) continue;
            if (eno === 1) k = text(ev);
            else if (eno === 2) v = text(ev);
          }
          headers[k] = v;
        }
      }
    } else if (no === 3 && value instanceof Uint8Array) {
      for (const [ano, av] of fields(value)) if (ano === 2 && av instanceof Uint8Array) body = av;
    }
  }
  return { type, clientIp, headers, body };
}

/** The body parsed as a JSON object. */
export function payloadJson(p: Payload): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text(p.body));
  } catch {
    throw malformed(`${p.type || 'untyped'} body is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(`${p.type || 'untyped'} body is not a JSON object`);
  return v as Record<string, unknown>;
}

export function jsonPayload(type: string, body: unknown, headers: Readonly<Record<string, string>> = {}, clientIp = ''): Payload {
  return { type, clientIp, headers, body: utf8.encode(JSON.stringify(body)) };
}

function text(b: Uint8Array): string {
  try {
    return strict.decode(b);
  } catch {
    throw malformed('a string is not UTF-8');
  }
}

function field(no: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Fields of one message: length-delimited ones as bytes, varints and fixed ones as numbers (skipped by callers). */
function* fields(buf: Uint8Array): Generator<[number, Uint8Array | number]> {
  let at = 0;
  const read = (): number => {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= buf.length) throw malformed('truncated varint');
      const b = buf[at++] as number;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
    throw malformed('varint longer than 10 bytes');
  };
  while (at < buf.length) {
    const key = read();
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (no === 0) throw malformed('field number 0');
    if (wire === 0) yield [no, read()];
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (at + n > buf.length) throw malformed('truncated fixed field');
      at += n;
      yield [no, 0];
    } else if (wire === 2) {
      const len = read();
      if (len > buf.length - at) throw malformed(`field ${no} says ${len} bytes, ${buf.length - at} left`);
      yield [no, buf.subarray(at, at + len)];
      at += len;
    } else throw malformed(`unsupported wire type ${wire}`);
  }
}
