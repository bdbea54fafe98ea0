import {
  Code, RpcError, toRpcError,
  type ExportedMethod, type Invocation, type ServerHandler,
  type ServerOptions, type ServiceKey,
} from '@meshlet/core';
import { FrameProtocolServer, IN_FLIGHT_BUSY_MESSAGE, createServerInvocation, type ServerCodec, type ServerConnection } from '@meshlet/core/engine';
import type { Encoder, HessianDialect } from '@meshlet/hessian';
import {
  CMD_GOAWAY, CMD_HEARTBEAT, CMD_REQUEST, CODEC_HESSIAN, CODEC_PROTOBUF, DEFAULT_SOFA_VERSION, HEAD_METHOD_NAME, HEAD_SERVICE,
  HEAD_TARGET_SERVICE, SERVER_CLOSE_LINGER, SERVER_IDLE_TIMEOUT, Status, TYPE_REQUEST, TYPE_RESPONSE,
} from './constants.js';
import { Flavours, dialectOf, type HessianFlavour } from './flavours.js';
import { bytesAt } from './bytes.js';
import { boltSplitter, buildFrame, crcValid, parseFrame, shapeOf, V1, type BoltFrame, type FrameShape } from './frame.js';
import { HeaderCache, type HeaderEntryList } from './header-map.js';
import { attachmentsOf } from './props.js';
import { protobufMethodOf, type ProtobufMethod } from './protobuf.js';
import { readSofaRequest, REQUEST_CLASS_BYTES } from './request.js';
import {
  encodeExceptionResponse, encodeFrameworkErrorResponse, encodeHeartbeatAck, encodeProtobufErrorResponse, encodeProtobufResponse,
  encodeStatusResponse, encodeValueResponse, resultEncoder,
} from './response.js';
import { parseUniqueName } from './service-name.js';
import { forbiddenMessage, methodNotFoundMessage, refusalStatus, serviceNotFoundMessage, statusForError } from './status.js';

const EMPTY = Buffer.alloc(0);

export interface BoltServerOptions extends ServerOptions {
  /** Flavour for replies whose request does not show one (default `hessian2-draft`). */
  readonly hessian?: HessianFlavour | undefined;
  /**
   * Send MOSN's GoAway (cmdcode 100) to every connection on graceful stop. Off by default: only
   * MOSN-aware clients (MOSN with `enable_bolt_goaway`, Meshlet) know it; Java Bolt and
   * sofa-bolt-node do not, and may treat it as a broken frame.
   */
  readonly goAway?: boolean | undefined;
}

/** What serving one exported method needs beyond the method itself, computed once per method. */
interface ServerMethod {
  readonly protobuf: ProtobufMethod | undefined;
  readonly result: Encoder;
}

/**
 * Why a request gets no call. `framework`: answered as SOFARPC answers unknown services and
 * methods (SUCCESS + SofaResponse `isError`); otherwise a Bolt status with the message.
 */
class Refusal extends Error {
  constructor(readonly status: number, message: string, readonly framework = false) {
    super(message);
  }
}

/** One request, decoded and resolved, ready to call. */
interface Call {
  readonly exported: ExportedMethod;
  readonly method: ServerMethod;
  readonly inv: Invocation;
  /** The Hessian flavour to answer in; undefined for protobuf. */
  readonly dialect: HessianDialect | undefined;
}

/** Resolved (target, method, signature) triples kept per server. */
const RESOLVED_MAX = 1024;

function sameSigs(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Server-side Bolt: heartbeats, SofaRequest (Hessian, either flavour) and protobuf requests, Java-shaped replies. */
class BoltServerCodec implements ServerCodec {
  readonly splitter = boltSplitter;
  private readonly flavours: Flavours;
  private readonly methods = new WeakMap<ExportedMethod, ServerMethod>();
  private readonly headers = new HeaderCache();
  /** Methods found, by target service and method name (see `resolve`). */
  private readonly resolved = new Map<string, Map<string, { readonly sigs: readonly string[] | undefined; readonly exported: ExportedMethod }[]>>();
  private resolvedCount = 0;

  constructor(private readonly handler: ServerHandler, private readonly options: BoltServerOptions) {
    this.flavours = new Flavours(dialectOf(options.hessian));
  }

  onFrame(conn: ServerConnection, frame: Buffer): void {
    // A frame we cannot trust (bad CRC, impossible header) closes its connection: thrown here.
    if (!crcValid(frame)) throw new RpcError(Code.Protocol, 'Bolt v2 frame with a wrong CRC32');
    const f = parseFrame(frame);
    if (f.type === TYPE_RESPONSE) return; // a client's ack of a heartbeat we never send
    const twoWay = f.type === TYPE_REQUEST;
    const shape = shapeOf(frame);
    if (f.cmd === CMD_HEARTBEAT) {
      if (twoWay) conn.write(encodeHeartbeatAck(shape, f.id, f.codec));
      return;
    }
    if (f.cmd !== CMD_REQUEST) return; // GoAway or an unknown command from a peer: nothing to answer
    if (conn.full) {
      // Refused unread, as a Java Bolt server whose thread pool is full: callers retry it elsewhere.
      if (twoWay) conn.write(this.refusal(frame, f, shape, new Refusal(Status.SERVER_THREADPOOL_BUSY, IN_FLIGHT_BUSY_MESSAGE)));
      return;
    }
    let call: Call;
    try {
      call = this.decode(conn, frame, f);
    } catch (err) {
      if (twoWay) conn.write(this.refusal(frame, f, shape, err));
      return;
    }
    conn.begin();
    this.serve(conn, call, shape, f.id, twoWay);
  }

  private decode(conn: ServerConnection, frame: Buffer, f: BoltFrame): Call {
    if (!bytesAt(frame, f.classStart, f.classLength, REQUEST_CLASS_BYTES)) {
      // What Java Bolt answers when no user processor is registered for the class.
      const cls = frame.toString('utf8', f.classStart, f.classStart + f.classLength);
      throw new Refusal(Status.SERVER_EXCEPTION, `No user processor found for request: ${cls || '(none)'}`);
    }
    let header: HeaderEntryList;
    try {
      header = this.headers.entries(frame, f.headerStart, f.headerStart + f.headerLength);
    } catch (err) {
      throw new Refusal(Status.SERVER_DESERIAL_EXCEPTION, `Deserialize header failed: ${(err as Error).message}`);
    }
    const contentEnd = f.contentStart + f.contentLength;
    if (f.codec === CODEC_PROTOBUF) {
      // Protobuf content is the bare message: the service and the method are in the header only.
      const attachments = attachmentsOf(header, null);
      const target = attachments[HEAD_SERVICE] || attachments[HEAD_TARGET_SERVICE];
      const methodName = attachments[HEAD_METHOD_NAME];
      if (!target || !methodName) throw new Refusal(Status.SERVER_DESERIAL_EXCEPTION, 'protobuf request without sofa_head_target_service / sofa_head_method_name');
      const exported = this.resolve(target, methodName, undefined);
      const method = this.methodOf(exported);
      if (method.protobuf === undefined) {
        throw new Refusal(Status.SERVER_DESERIAL_EXCEPTION, `${exported.service.interface}.${methodName} is not declared with protobuf messages; call it with Hessian`);
      }
      let arg: unknown;
      try {
        arg = method.protobuf.request.decode(frame.subarray(f.contentStart, contentEnd));
      } catch (err) {
        throw new Refusal(Status.SERVER_DESERIAL_EXCEPTION, `Deserialize content failed: ${(err as Error).message}`);
      }
      const inv = createServerInvocation(exported, [arg], attachments, f.timeout, conn);
      return { exported, method, inv, dialect: undefined };
    }
    if (f.codec !== CODEC_HESSIAN) {
      throw new Refusal(Status.SERVER_DESERIAL_EXCEPTION, `Unsupported serialization code ${f.codec}: this provider speaks hessian (1) and protobuf (11)`);
    }
    const dialect = this.flavours.sniff(frame, f.contentStart, contentEnd);
    const r = this.flavours.reader(frame, f.contentStart, contentEnd);
    let head;
    try {
      head = readSofaRequest(r);
    } catch (err) {
      throw new Refusal(Status.SERVER_DESERIAL_EXCEPTION, `Deserialize content failed: ${(err as Error).message}`);
    }
    // Header keys sit on top of the body's props: like Java, the header's `service` wins over the
    // body's target (MOSN may have rerouted the call).
    const attachments = attachmentsOf(header, head.requestProps);
    const target = attachments[HEAD_SERVICE] || attachments[HEAD_TARGET_SERVICE] || head.targetServiceUniqueName;
    if (!target) throw new Refusal(Status.SUCCESS, 'Target service name of request is null!', true);
    const methodName = head.methodName ?? attachments[HEAD_METHOD_NAME];
    if (!methodName) throw new Refusal(Status.SUCCESS, 'Method name of request is null!', true);
    const exported = this.resolve(target, methodName, head.methodArgSigs ?? undefined);
    const method = this.methodOf(exported);
    if (method.protobuf !== undefined) {
      throw new Refusal(Status.SERVER_DESERIAL_EXCEPTION, `${exported.service.interface}.${methodName} is declared with protobuf messages; call it with codec 11`);
    }
    const params = exported.method.params;
    const args: unknown[] = new Array(params.length);
    try {
      for (let i = 0; i < params.length; i++) args[i] = r.readTyped(params[i]!);
    } catch (err) {
      throw new Refusal(Status.SERVER_DESERIAL_EXCEPTION, `Deserialize content failed: ${(err as Error).message}`);
    }
    const inv = createServerInvocation(exported, args, attachments, f.timeout, conn);
    return { exported, method, inv, dialect };
  }

  /**
   * Finds the exported method of `interface:version[:uniqueId]`. SOFARPC callers always send a
   * version (`1.0` by default), so a Meshlet service exported without one answers to `1.0`.
   */
  private resolve(target: string, methodName: string, sigs: readonly string[] | undefined): ExportedMethod {
    // Found before: compared by the strings the request carried, no key parsed or table walked.
    const known = this.resolved.get(target)?.get(methodName);
    if (known !== undefined) {
      for (let i = 0; i < known.length; i++) {
        if (sameSigs(known[i]!.sigs, sigs)) return known[i]!.exported;
      }
    }
    const exported = this.resolveFresh(target, methodName, sigs);
    // Targets and signatures are the peers' to choose: only found ones are kept, and a bounded number.
    if (++this.resolvedCount > RESOLVED_MAX) {
      this.resolved.clear();
      this.resolvedCount = 1;
    }
    let byMethod = this.resolved.get(target);
    if (byMethod === undefined) this.resolved.set(target, (byMethod = new Map()));
    const list = byMethod.get(methodName);
    const entry = { sigs: sigs === undefined ? undefined : [...sigs], exported };
    if (list === undefined) byMethod.set(methodName, [entry]);
    else list.push(entry);
    return exported;
  }

  private resolveFresh(target: string, methodName: string, sigs: readonly string[] | undefined): ExportedMethod {
    const key = parseUniqueName(target);
    if (key === undefined) throw new Refusal(Status.SUCCESS, serviceNotFoundMessage(target), true);
    try {
      return this.resolveKey(key, methodName, sigs);
    } catch (err) {
      this.handler.refused?.(key, methodName, err);
      const e = toRpcError(err);
      // SOFARPC's own wording, not core's: Java consumers and ops tooling see what a Java provider says.
      if (e.code === Code.ServiceNotFound) throw new Refusal(Status.SUCCESS, serviceNotFoundMessage(target), true);
      if (e.code === Code.MethodNotFound) throw new Refusal(Status.SUCCESS, methodNotFoundMessage(methodName, target), true);
      throw new Refusal(Status.SERVER_EXCEPTION, e.message);
    }
  }

  private resolveKey(key: ServiceKey, methodName: string, sigs: readonly string[] | undefined): ExportedMethod {
    try {
      return this.handler.resolve(key, methodName, sigs);
    } catch (err) {
      if (!RpcError.is(err, Code.ServiceNotFound) || key.version !== DEFAULT_SOFA_VERSION) throw err;
      try {
        return this.handler.resolve({ ...key, version: undefined }, methodName, sigs);
      } catch (second) {
        throw RpcError.is(second, Code.ServiceNotFound) ? err : second; // name the version asked for
      }
    }
  }

  private methodOf(exported: ExportedMethod): ServerMethod {
    let m = this.methods.get(exported);
    if (m === undefined) {
      let protobuf: ProtobufMethod | undefined;
      try {
        protobuf = protobufMethodOf(exported.method);
      } catch (err) {
        throw new Refusal(Status.SERVER_EXCEPTION, (err as Error).message);
      }
      m = { protobuf, result: resultEncoder(exported.method.returns) };
      this.methods.set(exported, m);
    }
    return m;
  }

  /** The reply to a request that gets no call, in its codec and flavour. */
  private refusal(frame: Buffer, f: BoltFrame, shape: FrameShape, err: unknown): Buffer {
    const r = err instanceof Refusal ? err : new Refusal(statusForError(toRpcError(err, Code.BadRequest).code), (err as Error)?.message ?? String(err));
    if (f.codec === CODEC_PROTOBUF) return encodeProtobufErrorResponse(shape, f.id, r.message, r.framework ? Status.SUCCESS : r.status);
    const w = this.flavours.writer(this.flavours.sniff(frame, f.contentStart, f.contentStart + f.contentLength));
    return r.framework ? encodeFrameworkErrorResponse(w, shape, f.id, r.message) : encodeStatusResponse(w, shape, f.id, r.status, r.message);
  }

  /** Calls the method and answers; `then`, not an async function: one promise layer less per call. */
  private serve(conn: ServerConnection, call: Call, shape: FrameShape, id: number, twoWay: boolean): void {
    let result: Promise<unknown>;
    try {
      result = call.exported.invoke(call.inv);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => this.answer(conn, call, shape, id, twoWay, true, value),
      (err: unknown) => this.answer(conn, call, shape, id, twoWay, false, err),
    );
  }

  private answer(conn: ServerConnection, call: Call, shape: FrameShape, id: number, twoWay: boolean, ok: boolean, outcome: unknown): void {
    let reply: Buffer | undefined;
    try {
      if (twoWay) {
        if (ok) {
          try {
            reply = this.encodeResult(call, shape, id, outcome);
          } catch (err) {
            reply = this.encodeThrown(call, shape, id, err);
          }
        } else {
          reply = this.encodeThrown(call, shape, id, outcome);
        }
      }
    } catch (err) {
      // Even the failure could not be encoded (say, a message past the writer's limit).
      if (twoWay) reply = encodeStatusResponse(this.flavours.writer(), shape, id, Status.SERVER_EXCEPTION, `Serialize response failed: ${String((err as Error)?.message).slice(0, 200)}`);
    }
    if (reply !== undefined) conn.write(reply);
    conn.end();
  }

  private encodeResult(call: Call, shape: FrameShape, id: number, value: unknown): Buffer {
    try {
      if (call.dialect === undefined) {
        const response = call.method.protobuf!.response;
        return encodeProtobufResponse(shape, id, response === undefined ? EMPTY : response.encode(value));
      }
      return encodeValueResponse(this.flavours.writer(call.dialect), shape, id, value, call.method.result);
    } catch (err) {
      const m = call.exported.method;
      const message = `Serialize response failed: ${call.exported.service.interface}.${m.name} returned a value that is not a ${m.returns.javaType}: ${(err as Error).message}`;
      if (call.dialect === undefined) return encodeProtobufErrorResponse(shape, id, message, Status.SERVER_SERIAL_EXCEPTION);
      return encodeStatusResponse(this.flavours.writer(call.dialect), shape, id, Status.SERVER_SERIAL_EXCEPTION, message);
    }
  }

  /**
   * A thrown value is the method's failure: a Throwable in `appResponse` (class from `err.javaClass`,
   * an RpcError's remote class, else `java.lang.RuntimeException`), which Java consumers rethrow.
   */
  private encodeThrown(call: Call, shape: FrameShape, id: number, err: unknown): Buffer {
    const message = err instanceof Error ? err.message : String(err);
    // A refusal raised by a server interceptor before the method ran (bulkhead, rate limit: the
    // provider is busy; authorization: the caller is not allowed) is answered with a status, as
    // SOFA and MOSN do, not as the method's exception.
    const refused = err instanceof RpcError ? refusalStatus(err.code) : undefined;
    if (refused !== undefined) {
      const text = refused === Status.SERVER_EXCEPTION ? forbiddenMessage(message) : message;
      if (call.dialect === undefined) return encodeProtobufErrorResponse(shape, id, text, refused);
      return encodeStatusResponse(this.flavours.writer(call.dialect), shape, id, refused, text);
    }
    if (call.dialect === undefined) return encodeProtobufErrorResponse(shape, id, message);
    const javaClass = (err instanceof RpcError && err.remoteClass) || javaClassOfError(err) || 'java.lang.RuntimeException';
    return encodeExceptionResponse(this.flavours.writer(call.dialect), shape, id, javaClass, message);
  }

  encodeGoAway(): Uint8Array | undefined {
    if (!this.options.goAway) return undefined;
    return buildFrame(V1, TYPE_REQUEST, CMD_GOAWAY, 0, CODEC_HESSIAN, 0, EMPTY, EMPTY, EMPTY);
  }
}

function javaClassOfError(err: unknown): string | undefined {
  const c = (err as { javaClass?: unknown } | null)?.javaClass;
  return typeof c === 'string' && c !== '' ? c : undefined;
}

/** A Bolt provider: the engine's server with the SOFARPC request handler. */
export class BoltServer extends FrameProtocolServer {
  constructor(handler: ServerHandler, options: BoltServerOptions = {}) {
    super(new BoltServerCodec(handler, options), options, { idleTimeout: SERVER_IDLE_TIMEOUT, closeLinger: SERVER_CLOSE_LINGER });
  }
}
