import { Code, RpcError, type Invocation } from '@meshlet/core';
import type { HessianReader, HessianWriter } from '@meshlet/hessian';
import { DUBBO_VERSION, FLAG_REQUEST, FLAG_TWOWAY, HESSIAN2 } from './constants.js';
import { frameOf } from './header.js';

/**
 * Encodes a request as Java's DubboCodec.encodeRequestData does: dubbo version, path, version,
 * method, JVM parameter descriptors, the arguments, then the attachments as an untyped map.
 * Attachment order follows Java's (path, remote.application, interface, version, group, timeout)
 * so our frames are byte-identical to a Java consumer's.
 */
export function encodeRequest(
  w: HessianWriter, idHigh: number, idLow: number, inv: Invocation, timeout: number, application: string | undefined,
): Buffer {
  const { service, method } = inv;
  w.reset();
  w.writeString(DUBBO_VERSION);
  w.writeString(service.interface);
  w.writeString(service.version ?? '0.0.0');
  w.writeString(method.name);
  w.writeString(method.paramDescriptor);
  const params = method.params;
  for (let i = 0; i < params.length; i++) w.writeTyped(inv.args[i], params[i]!);
  const attachments: Record<string, string> = { path: service.interface };
  if (application !== undefined) attachments['remote.application'] = application;
  attachments.interface = service.interface;
  attachments.version = service.version ?? '0.0.0';
  if (service.group !== undefined) attachments.group = service.group;
  attachments.timeout = String(timeout);
  for (const k in inv.attachments) attachments[k] = inv.attachments[k]!;
  w.writeValue(attachments);
  const flag = FLAG_REQUEST | HESSIAN2 | (method.oneway ? 0 : FLAG_TWOWAY);
  return frameOf(flag, 0, idHigh, idLow, w.finish());
}

/** The fixed part of a request body, read before the method (and so the argument types) is known. */
export interface RequestHead {
  readonly dubboVersion: string;
  readonly path: string;
  readonly version: string;
  readonly method: string;
  readonly descriptor: string;
}

export function readRequestHead(r: HessianReader): RequestHead {
  const dubboVersion = readText(r, 'dubbo version');
  const path = readText(r, 'service path');
  const version = readText(r, 'service version');
  const method = readText(r, 'method name');
  let next = r.readValue();
  // dubbox 2.8.x writes an int (-1) between the method name and the descriptors.
  if (typeof next === 'number' && dubboVersion.startsWith('2.8')) next = r.readValue();
  const descriptor = asText(next, 'parameter types');
  if (method === '') throw new RpcError(Code.BadRequest, 'empty method name');
  return { dubboVersion, path, version, method, descriptor };
}

function readText(r: HessianReader, what: string): string {
  return asText(r.readValue(), what);
}

function asText(v: unknown, what: string): string {
  if (v === null) return '';
  if (typeof v !== 'string') throw new RpcError(Code.BadRequest, `request ${what} is not a string`);
  return v;
}
