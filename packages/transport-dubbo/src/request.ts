import { Code, RpcError, type Invocation, type MethodDefinition, type ServiceDefinition } from '@meshlet/core';
import type { HessianReader, HessianWriter } from '@meshlet/hessian';
import { DUBBO_VERSION, FLAG_REQUEST, FLAG_TWOWAY, HEADER_LENGTH, HESSIAN2 } from './constants.js';
import { frameInPlace } from './header.js';

/** The bytes of a request that are the same for every call of one method of one service. */
interface Template {
  /** dubbo version, path, version, method name, parameter descriptors. */
  readonly head: Uint8Array;
  /** `H`, the constant attachments and the key `timeout`; the call adds the timeout, its own attachments and `Z`. */
  readonly attachments: Uint8Array;
}

const MAP_END = 0x5a; // 'Z'

/**
 * Encodes requests as Java's DubboCodec.encodeRequestData does: dubbo version, path, version,
 * method, JVM parameter descriptors, the arguments, then the attachments as an untyped map.
 * Attachment order follows Java's (path, remote.application, interface, version, group, timeout)
 * so our frames are byte-identical to a Java consumer's. The per-method constant parts are
 * encoded once and copied after that: per call only the arguments and the timeout are encoded.
 */
export class RequestEncoder {
  private readonly templates = new WeakMap<ServiceDefinition, Map<MethodDefinition, Template>>();

  constructor(
    private readonly w: HessianWriter,
    private readonly application: string | undefined,
  ) {}

  encode(idHigh: number, idLow: number, inv: Invocation, timeout: number): Buffer {
    const { method } = inv;
    const template = this.template(inv.service, method);
    const w = this.w;
    w.reset(HEADER_LENGTH); // the body is written behind room for the header: no copy into a frame
    w.writeRaw(template.head);
    const params = method.params;
    for (let i = 0; i < params.length; i++) w.writeTyped(inv.args[i], params[i]!);
    w.writeRaw(template.attachments);
    w.writeString(String(timeout));
    for (const k in inv.attachments) {
      w.writeString(k);
      w.writeString(inv.attachments[k]!);
    }
    w.writeRawByte(MAP_END);
    const flag = FLAG_REQUEST | HESSIAN2 | (method.oneway ? 0 : FLAG_TWOWAY);
    return frameInPlace(w, flag, 0, idHigh, idLow);
  }

  private template(service: ServiceDefinition, method: MethodDefinition): Template {
    let byMethod = this.templates.get(service);
    if (byMethod === undefined) this.templates.set(service, (byMethod = new Map()));
    let template = byMethod.get(method);
    if (template === undefined) {
      const w = this.w;
      w.reset();
      w.writeString(DUBBO_VERSION);
      w.writeString(service.interface);
      w.writeString(service.version ?? '0.0.0');
      w.writeString(method.name);
      w.writeString(method.paramDescriptor);
      const head = w.finishCopy();
      w.reset();
      w.writeRawByte(0x48); // 'H': an untyped map, as hessian-lite writes HashMap
      const constant: [string, string | undefined][] = [
        ['path', service.interface],
        ['remote.application', this.application],
        ['interface', service.interface],
        ['version', service.version ?? '0.0.0'],
        ['group', service.group],
      ];
      for (const [k, v] of constant) {
        if (v === undefined) continue;
        w.writeString(k);
        w.writeString(v);
      }
      w.writeString('timeout');
      template = { head, attachments: w.finishCopy() };
      byMethod.set(method, template);
    }
    return template;
  }
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
