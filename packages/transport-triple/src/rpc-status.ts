import { Code, RpcError } from '@meshlet/core';
import type { StatusDetail } from './status.js';
import { fields, lengthDelimited, varint } from './proto-wire.js';

/**
 * google.rpc.Status, the body of `grpc-status-details-bin` (base64, unpadded as gRPC sends it):
 * `int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3;` with
 * `Any { string type_url = 1; bytes value = 2; }`. Hand-written: three fields do not need a schema.
 */
export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  readonly details: readonly StatusDetail[];
}

export function encodeRpcStatus(status: RpcStatus): Buffer {
  const parts: Buffer[] = [];
  if (status.code !== 0) parts.push(Buffer.from([0x08]), varint(status.code >>> 0));
  if (status.message !== '') parts.push(lengthDelimited(2, Buffer.from(status.message, 'utf8')));
  for (const d of status.details) {
    const any = Buffer.concat([lengthDelimited(1, Buffer.from(d.typeUrl, 'utf8')), lengthDelimited(2, d.value)]);
    parts.push(lengthDelimited(3, any));
  }
  return Buffer.concat(parts);
}

/** Decodes; throws RpcError PROTOCOL on malformed bytes (never reads past the end). */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus {
  let code = 0;
  let message = '';
  const details: StatusDetail[] = [];
  for (const [field, value] of fields(bytes, bad)) {
    if (field === 1 && typeof value === 'number') code = value | 0;
    else if (field === 2 && typeof value !== 'number') message = Buffer.from(value).toString('utf8');
    else if (field === 3 && typeof value !== 'number') {
      let typeUrl = '';
      let v: Uint8Array = new Uint8Array(0);
      for (const [f, x] of fields(value, bad)) {
        if (f === 1 && typeof x !== 'number') typeUrl = Buffer.from(x).toString('utf8');
        else if (f === 2 && typeof x !== 'number') v = x;
      }
      details.push({ typeUrl, value: v });
    }
  }
  return { code, message, details };
}

function bad(what: string): RpcError {
  return new RpcError(Code.Protocol, `malformed grpc-status-details-bin: ${what}`);
}
