import {
  Code, RpcError, t, type Invocation, type MethodDefinition, type ServiceDefinition, type TypeDesc,
} from '@meshlet/core';
import { encoderFor, type Encoder, type HessianReader, type HessianWriter } from '@meshlet/hessian';
import {
  CMD_REQUEST, CODEC_HESSIAN, CODEC_PROTOBUF, HEAD_METHOD_NAME, HEAD_SERVICE, HEAD_TARGET_APP, HEAD_TARGET_SERVICE,
  PROP_APP, PROP_INVOKE_TYPE, PROP_PROTOCOL, SOFA_REQUEST_CLASS, TYPE_REQUEST, TYPE_REQUEST_ONEWAY,
} from './constants.js';
import { buildFrame, checkShortLength, finishInPlace, headLength, type FrameShape } from './frame.js';
import { appendHeaderMap, encodeHeaderMap, javaHashMapOrder } from './header-map.js';
import { bodyPropsOf } from './props.js';
import { protobufMethodOf, type ProtobufMethod } from './protobuf.js';
import { uniqueName } from './service-name.js';

/** The request class field, as bytes (Java Bolt dispatches on it). */
export const REQUEST_CLASS_BYTES = Buffer.from(SOFA_REQUEST_CLASS, 'latin1');

/**
 * `SofaRequest`'s serialized fields in the order Java's serializer writes them (primitives and
 * `java.lang.*` first, subclass before superclass); receivers map them by name. Frozen, so the
 * writer caches the encoded class definition.
 */
export const REQUEST_FIELDS: readonly string[] = Object.freeze([
  'targetAppName', 'methodName', 'targetServiceUniqueName', 'requestProps', 'methodArgSigs',
]);

/** `String[]`, for reading `methodArgSigs`. */
const SIGS = t.array(t.string);

/** How `String[]` travels: Java's Hessian names the type `[string`. */
const STRING_ARRAY_TYPE = '[string';

/**
 * Everything about calling one method of one referred service that does not change per call,
 * computed once per (client, service, method): the header bytes, the constant requestProps in
 * Java's order, the per-parameter encoders.
 */
export interface ClientMethod {
  readonly service: ServiceDefinition;
  readonly method: MethodDefinition;
  readonly uniqueName: string;
  readonly targetApp: string | null;
  readonly oneway: boolean;
  /** Codec byte: 1 (Hessian) or 11 (protobuf). */
  readonly codec: number;
  readonly protobuf: ProtobufMethod | undefined;
  /** The header map without attachments, Java-ordered. */
  readonly header: Buffer;
  /** `requestProps` without attachments, Java-ordered. */
  readonly props: readonly (readonly [string, string])[];
  readonly sigs: readonly string[];
  readonly encoders: readonly Encoder[];
  /** The result descriptor (`t.any` for void: whatever comes back is dropped). */
  readonly returns: TypeDesc;
  readonly isVoid: boolean;
  /** The constant strings of its SofaRequest, encoded once per Hessian flavour (see `segmentsFor`). */
  readonly segments: Map<Function, RequestSegments>;
}

/**
 * The strings of a SofaRequest that are the same in every call of a method, as encoded bytes:
 * targetAppName, methodName and targetServiceUniqueName; the constant requestProps entries; the
 * signatures. Hessian strings take no reference or type slot, so writing their bytes raw leaves the
 * writer's tables as `writeString` would; the map, the list and the object around them are still
 * written through the writer, which numbers them.
 */
interface RequestSegments {
  readonly names: Buffer;
  readonly props: Buffer;
  readonly sigs: Buffer;
}

export function compileClientMethod(service: ServiceDefinition, method: MethodDefinition, application: string | undefined, targetApp?: string): ClientMethod {
  const name = uniqueName(service);
  const protobuf = protobufMethodOf(method);
  const oneway = method.oneway;
  // What a Java consumer puts in requestProps (DefaultClientProxyInvoker) ...
  const propValues: Record<string, string> = { [PROP_PROTOCOL]: 'bolt', [PROP_INVOKE_TYPE]: oneway ? 'oneway' : 'sync' };
  if (application) propValues[PROP_APP] = application;
  const propKeys = javaHashMapOrder(application ? [PROP_APP, PROP_PROTOCOL, PROP_INVOKE_TYPE] : [PROP_PROTOCOL, PROP_INVOKE_TYPE]);
  // ... and in the header: routing keys first, then requestProps flattened (SofaRpcSerialization).
  const headerValues: Record<string, string> = {
    [HEAD_SERVICE]: name, [HEAD_METHOD_NAME]: method.name, [HEAD_TARGET_SERVICE]: name, ...propValues,
  };
  if (targetApp) headerValues[HEAD_TARGET_APP] = targetApp;
  const headerKeys = javaHashMapOrder(Object.keys(headerValues));
  const header = encodeHeaderMap(headerKeys.map((k) => [k, headerValues[k]!] as const));
  checkShortLength('header', header.length);
  return Object.freeze({
    service,
    method,
    uniqueName: name,
    targetApp: targetApp ?? null,
    oneway,
    codec: protobuf ? CODEC_PROTOBUF : CODEC_HESSIAN,
    protobuf,
    header,
    props: Object.freeze(propKeys.map((k) => Object.freeze([k, propValues[k]!] as const))),
    sigs: method.paramTypes,
    encoders: Object.freeze(method.params.map((p) => encoderFor(p))),
    returns: method.returns.kind === 'void' ? t.any : method.returns,
    isVoid: method.returns.kind === 'void',
    segments: new Map(),
  });
}

/** The method's constant SofaRequest strings in the flavour of `w` (its class), encoded on first use. */
function segmentsFor(w: HessianWriter, cm: ClientMethod): RequestSegments {
  const flavour = w.constructor as new () => HessianWriter;
  let s = cm.segments.get(flavour);
  if (s === undefined) {
    const scratch = new flavour();
    const bytes = (write: (x: HessianWriter) => void): Buffer => {
      scratch.reset();
      write(scratch);
      return scratch.finishCopy();
    };
    s = {
      names: bytes((x) => {
        if (cm.targetApp === null) x.writeNull();
        else x.writeString(cm.targetApp);
        x.writeString(cm.method.name);
        x.writeString(cm.uniqueName);
      }),
      props: bytes((x) => {
        for (const [k, v] of cm.props) {
          x.writeString(k);
          x.writeString(v);
        }
      }),
      sigs: bytes((x) => {
        for (const sig of cm.sigs) x.writeString(sig);
      }),
    };
    cm.segments.set(flavour, s);
  }
  return s;
}

/**
 * The `SofaRequest` object and then each argument, as one Hessian stream (one reference and type
 * table for the whole content, as Java's `SofaRequestHessianSerializer` writes it).
 */
export function writeSofaRequest(w: HessianWriter, cm: ClientMethod, args: readonly unknown[], attachments: Readonly<Record<string, string>>): void {
  const segments = segmentsFor(w, cm);
  w.objectBegin(SOFA_REQUEST_CLASS, REQUEST_FIELDS);
  w.writeRaw(segments.names);
  w.mapBegin(null);
  w.writeRaw(segments.props);
  const extra = bodyPropsOf(attachments);
  if (extra !== null) {
    // Index loop: an iterator and a destructured pair per entry per call add up at 100k calls/s.
    for (let i = 0; i < extra.length; i++) {
      w.writeString(extra[i]![0]);
      w.writeValue(extra[i]![1]);
    }
  }
  w.mapEnd();
  w.listBegin(cm.sigs.length, STRING_ARRAY_TYPE);
  w.writeRaw(segments.sigs);
  w.listEnd();
  w.objectEnd();
  const encoders = cm.encoders;
  for (let i = 0; i < encoders.length; i++) {
    try {
      encoders[i]!(w, args[i]);
    } catch (err) {
      throw argumentError(cm, i, err);
    }
  }
}

function argumentError(cm: ClientMethod, i: number, err: unknown): RpcError {
  const message = err instanceof Error ? err.message : String(err);
  return new RpcError(Code.Serialization, `${cm.service.interface}.${cm.method.name} argument ${i} (${cm.sigs[i]}): ${message}`, { cause: err });
}

/** A complete request frame for an invocation: Hessian or protobuf content by the method's codec. */
export function encodeRequest(
  w: HessianWriter, shape: FrameShape, id: number, cm: ClientMethod, inv: Invocation, timeout: number,
): Buffer {
  let header = cm.header;
  let hasAttachments = false;
  for (const _ in inv.attachments) {
    hasAttachments = true;
    break;
  }
  if (hasAttachments) {
    header = appendHeaderMap(header, inv.attachments);
    checkShortLength('header', header.length);
  }
  const type = cm.oneway ? TYPE_REQUEST_ONEWAY : TYPE_REQUEST;
  if (cm.protobuf !== undefined) {
    const content = cm.protobuf.request.encode(inv.args[0]);
    return buildFrame(shape, type, CMD_REQUEST, id, cm.codec, timeout, REQUEST_CLASS_BYTES, header, content);
  }
  // The content is written behind room for the head, which is then filled in: no copy into a frame.
  w.reset(headLength(shape, type, REQUEST_CLASS_BYTES, header));
  writeSofaRequest(w, cm, inv.args, inv.attachments);
  return finishInPlace(w, shape, type, CMD_REQUEST, id, cm.codec, timeout, REQUEST_CLASS_BYTES, header);
}

/** The fields of a received `SofaRequest` that dispatch needs. */
export interface SofaRequestHead {
  readonly methodName: string | null;
  readonly methodArgSigs: readonly string[] | null;
  readonly targetServiceUniqueName: string | null;
  readonly targetAppName: string | null;
  readonly requestProps: unknown;
}

/**
 * Reads the `SofaRequest` object at the start of a request's Hessian content, by field name (Java
 * and sofa-bolt-node order the fields differently). The arguments follow in the same stream.
 */
export function readSofaRequest(r: HessianReader): SofaRequestHead {
  if (r.readNullTag()) throw new RpcError(Code.BadRequest, 'the request content is null, not a SofaRequest');
  let def;
  try {
    def = r.beginObject();
  } catch (err) {
    throw new RpcError(Code.BadRequest, `the request content is not a SofaRequest: ${(err as Error).message}`, { cause: err });
  }
  if (def.name !== SOFA_REQUEST_CLASS) throw new RpcError(Code.BadRequest, `the request content is a ${def.name}, not a SofaRequest`);
  r.addRef(null);
  let methodName: string | null = null;
  let methodArgSigs: string[] | null = null;
  let target: string | null = null;
  let app: string | null = null;
  let props: unknown = null;
  for (const field of def.fields) {
    // The signatures are read typed: an untyped read would tag the array with its Hessian type.
    const v = field === 'methodArgSigs' ? r.readTyped(SIGS) : r.readValue();
    switch (field) {
      case 'methodName': methodName = textOrNull(v, field); break;
      case 'targetServiceUniqueName': target = textOrNull(v, field); break;
      case 'targetAppName': app = textOrNull(v, field); break;
      case 'requestProps': props = v; break;
      case 'methodArgSigs': methodArgSigs = sigsOf(v); break;
      default: break; // a newer SofaRequest's extra field
    }
  }
  r.endObject();
  return { methodName, methodArgSigs, targetServiceUniqueName: target, targetAppName: app, requestProps: props };
}

function textOrNull(v: unknown, field: string): string | null {
  if (v === null || typeof v === 'string') return v;
  throw new RpcError(Code.BadRequest, `SofaRequest.${field} is not a string`);
}

function sigsOf(v: unknown): string[] | null {
  if (v === null) return null;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new RpcError(Code.BadRequest, 'SofaRequest.methodArgSigs is not a String[]');
  return v as string[];
}
