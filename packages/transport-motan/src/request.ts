import type { MethodDefinition, ServiceKey } from '@meshlet/core';
import { DEFAULT_VERSION, Meta, MsgType, PROTOCOL, Status } from './constants.js';
import { beginBody, beginFrame, endFrame } from './frame.js';
import { requestIdMeta } from './header.js';
import { IntMetaPair, metaBytes, writeMetaPair } from './meta.js';
import type { MethodCodec, Serializer } from './serializer.js';
import type { ByteWriter } from './wire/writer.js';

const TIMEOUT_PAIR = new IntMetaPair(Meta.TIMEOUT);

/** The part of a request that is the same for every call of one method: built once per reference. */
export interface PreparedCall {
  readonly method: MethodDefinition;
  readonly serializer: Serializer;
  readonly codec: MethodCodec;
  /** `M_p M_m M_md M_g M_v M_s M_pp`, encoded. */
  readonly meta: Buffer;
  readonly msgType: number;
}

/**
 * The meta keys motan-go and Java send: the interface as `M_p`, the method, its parameter types
 * as Java's provider matches overloads by them, the group (only when there is one), the version
 * (Motan's `1.0` when none), the caller's application and `M_pp=motan2`.
 */
export function prepareCall(service: ServiceKey, method: MethodDefinition, serializer: Serializer, application: string | undefined): PreparedCall {
  const codec = serializer.method(method);
  return {
    method,
    serializer,
    codec,
    meta: metaBytes([
      [Meta.PATH, service.interface],
      [Meta.METHOD, method.name],
      [Meta.METHOD_DESC, codec.paramDesc],
      [Meta.GROUP, service.group],
      [Meta.VERSION, service.version ?? DEFAULT_VERSION],
      [Meta.SOURCE, application],
      [Meta.PROTOCOL, PROTOCOL],
    ]),
    msgType: method.oneway ? MsgType.ONEWAY : 0,
  };
}

/** For an agent forwarding a call: the proxy bit, and the caller's id kept as `M_rid`. */
export interface ProxyOptions {
  readonly originalRequestId?: bigint | undefined;
}

export function encodeRequest(
  w: ByteWriter, call: PreparedCall, high: number, low: number, args: readonly unknown[], timeoutMs: number,
  attachments: Readonly<Record<string, string>>, minGzipSize: number, proxy?: ProxyOptions,
): Buffer {
  beginFrame(w, call.msgType | (proxy ? MsgType.PROXY : 0), Status.NORMAL, call.serializer.id, high, low);
  w.bytes(call.meta);
  TIMEOUT_PAIR.write(w, Math.max(1, Math.round(timeoutMs)));
  if (proxy?.originalRequestId !== undefined) writeMetaPair(w, Meta.REQUEST_ID, requestIdMeta(proxy.originalRequestId));
  for (const k in attachments) writeMetaPair(w, k, attachments[k]!);
  const at = beginBody(w);
  call.codec.writeArgs(w, args);
  return endFrame(w, at, minGzipSize);
}
