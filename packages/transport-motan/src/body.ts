import { gunzipSync } from 'node:zlib';
import { Code, RpcError } from '@meshlet/core';
import { MsgType } from './constants.js';
import { ByteReader } from './wire/reader.js';

/**
 * A reader over a frame's body `[start, frame.length)`, gunzipped first when the gzip bit is set.
 * The inflated size is capped (a small gzip can claim gigabytes).
 */
export function bodyReader(frame: Buffer, start: number, maxInflated: number): ByteReader {
  if ((frame[2]! & MsgType.GZIP) === 0) return new ByteReader(frame, start, frame.length);
  let plain: Buffer;
  try {
    plain = gunzipSync(frame.subarray(start), { maxOutputLength: maxInflated });
  } catch (err) {
    throw new RpcError(Code.Protocol, `motan: cannot gunzip the body: ${(err as Error).message}`, { cause: err });
  }
  return new ByteReader(plain, 0, plain.length);
}
