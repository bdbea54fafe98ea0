import {
  Code, RpcError, normalizeVersion, toRpcError,
  type ExportedMethod, type Invocation, type ServerHandler, type ServerOptions, type ServiceKey,
} from '@meshlet/core';
import { FrameProtocolServer, IN_FLIGHT_BUSY_MESSAGE, createServerInvocation, type ServerCodec, type ServerConnection } from '@meshlet/core/engine';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import { FLAG_EVENT, FLAG_REQUEST, FLAG_TWOWAY, HEADER_LENGTH, HESSIAN2, MAX_EVENT_SIZE, SERIALIZATION_MASK, Status } from './constants.js';
import { dubboSplitter } from './header.js';
import { readRequestHead, type RequestHead } from './request.js';
import { encodeErrorResponse, encodeExceptionResponse, encodeHeartbeatResponse, encodeReadonlyEvent, encodeValueResponse } from './response.js';
import { forbiddenMessage, statusForError } from './status.js';
import { AttachmentCache, toStringAttachments, type CachedAttachments } from './attachments.js';
import { supportsResponseAttachments } from './version.js';
import { isGenericCall, readGenericArgs, readGenericTarget } from './generic.js';

/** A request head already resolved to its exported method. */
interface ResolvedHead {
  readonly path: string;
  readonly version: string;
  readonly params: string;
  readonly group: string | undefined;
  readonly exported: ExportedMethod;
}

/** Resolved heads kept per server (exported methods × the spellings peers use for them). */
const RESOLVED_MAX = 1024;

/** Server-side Dubbo: decodes requests, calls the exported method, answers as a Java provider would. */
class DubboServerCodec implements ServerCodec {
  readonly splitter = dubboSplitter;
  private readonly writer = new HessianWriter();
  private eventId = 0;
  /** Heads found, by method name (see `resolve`). */
  private readonly resolved = new Map<string, ResolvedHead[]>();
  private resolvedCount = 0;
  private readonly attachments = new AttachmentCache();
  /** What `decode` found besides the invocation, read right after it returns (no object per call). */
  private decoded: ExportedMethod | undefined;
  private decodedVersion = '';

  constructor(private readonly handler: ServerHandler) {}

  onFrame(conn: ServerConnection, frame: Buffer): void {
    const flag = frame[2]!;
    if ((flag & FLAG_REQUEST) === 0) return; // a client's reply to our heartbeat
    const twoWay = (flag & FLAG_TWOWAY) !== 0;
    if ((flag & FLAG_EVENT) !== 0) {
      if (twoWay && frame.length - HEADER_LENGTH <= MAX_EVENT_SIZE) conn.write(encodeHeartbeatResponse(frame));
      return;
    }
    // The response echoes the request id's 8 bytes as they came: exact for any signed 64-bit id.
    const idHigh = frame.readInt32BE(4);
    const idLow = frame.readInt32BE(8);
    if (conn.full) {
      // Refused unread, with the status a Java provider answers when its thread pool is full:
      // callers retry it elsewhere, as it never ran.
      if (twoWay) conn.write(encodeErrorResponse(this.writer, idHigh, idLow, Status.SERVER_THREADPOOL_EXHAUSTED_ERROR, IN_FLIGHT_BUSY_MESSAGE));
      return;
    }
    const serialization = flag & SERIALIZATION_MASK;
    if (serialization !== HESSIAN2) {
      if (twoWay) {
        conn.write(encodeErrorResponse(this.writer, idHigh, idLow, Status.BAD_REQUEST,
          `Fail to decode request due to: unsupported serialization id ${serialization}; this provider speaks hessian2 (2) only`));
      }
      return;
    }
    let exported: ExportedMethod;
    let inv: Invocation;
    let dubboVersion: string;
    try {
      inv = this.decode(conn, frame, this.attachments.peek(frame));
      exported = this.decoded!;
      dubboVersion = this.decodedVersion;
    } catch (err) {
      const e = toRpcError(err, Code.BadRequest);
      if (twoWay) {
        const message = e.code === Code.ServiceNotFound || e.code === Code.MethodNotFound ? e.message : `Fail to decode request due to: ${e.message}`;
        conn.write(encodeErrorResponse(this.writer, idHigh, idLow, e.code === Code.ServiceNotFound || e.code === Code.MethodNotFound ? Status.SERVICE_ERROR : Status.BAD_REQUEST, message));
      }
      return;
    }
    conn.begin();
    const withAttachments = supportsResponseAttachments(dubboVersion);
    exported.invoke(inv).then(
      (value) => {
        if (twoWay) conn.write(this.encodeResult(idHigh, idLow, value, exported, withAttachments));
        conn.end();
      },
      (err: unknown) => {
        if (twoWay) conn.write(this.encodeThrown(idHigh, idLow, err, withAttachments));
        conn.end();
      },
    );
  }

  /**
   * Reads a request and resolves its method, once. The group names the service, and travels in
   * the attachments after the arguments, whose types that service declares: it is taken from the
   * attachment map remembered at the end of the frame (`peeked`, one compare), else found by
   * skipping the arguments untyped (per call only for peers whose attachments are not remembered).
   */
  private decode(conn: ServerConnection, frame: Buffer, peeked: CachedAttachments | undefined): Invocation {
    const r = new HessianReader(frame, HEADER_LENGTH, frame.length);
    const head = readRequestHead(r);
    // A generic call ($invoke from Java's GenericService) names the real method in its arguments.
    const generic = isGenericCall(head) ? readGenericTarget(r) : undefined;
    const method = generic?.method ?? head.method;
    const params = generic?.descriptor ?? head.descriptor;
    const group = peeked !== undefined ? peeked.group : groupAfterArguments(frame, head.descriptor);
    const exported = this.resolve(head, method, params, group);
    // Arguments are decoded after the method is found: their declared types decide the JS values.
    let args: unknown[];
    if (generic) {
      args = readGenericArgs(r, exported.method);
    } else {
      args = [];
      for (const p of exported.method.params) args.push(r.readTyped(p));
    }
    const attachments = r.atEnd ? Object.create(null) as Record<string, string> : this.attachments.read(r, frame, peeked);
    // The peeked map was not the attachments after all (an argument ended with the same bytes):
    // read again, the slow way. Never seen in practice; the guess is checked, not trusted.
    if (peeked !== undefined && (attachments.group || undefined) !== group) return this.decode(conn, frame, undefined);
    this.decoded = exported;
    this.decodedVersion = head.dubboVersion;
    return createServerInvocation(exported, args, attachments, Number(attachments.timeout), conn);
  }

  /**
   * The exported method for the request's service key (group included). A head found before is
   * found again by comparing five strings (the reader interns them, so they mostly compare by
   * identity), not by building a service key and walking the export table. A request whose group
   * names no export reaches the service exported without a group, as it did when the group was
   * read only after a failed lookup.
   */
  private resolve(head: RequestHead, method: string, params: string, group: string | undefined): ExportedMethod {
    const known = this.resolved.get(method);
    if (known !== undefined) {
      for (let i = 0; i < known.length; i++) {
        const k = known[i]!;
        if (k.path === head.path && k.version === head.version && k.params === params && k.group === group) return k.exported;
      }
    }
    const key: ServiceKey = { interface: head.path, version: normalizeVersion(head.version), group };
    let exported: ExportedMethod;
    try {
      exported = this.lookup(key, method, params);
    } catch (err) {
      this.handler.refused?.(key, method, err);
      throw err;
    }
    this.remember(method, { path: head.path, version: head.version, params, group, exported });
    return exported;
  }

  private lookup(key: ServiceKey, method: string, params: string): ExportedMethod {
    try {
      return this.handler.resolve(key, method, params);
    } catch (err) {
      if (key.group === undefined || !RpcError.is(err, Code.ServiceNotFound)) throw err;
      try {
        return this.handler.resolve({ ...key, group: undefined }, method, params);
      } catch {
        throw err; // name the group asked for
      }
    }
  }

  private remember(method: string, entry: ResolvedHead): void {
    // Heads are the peers' to choose; only found ones are kept, and never more than a bound.
    if (++this.resolvedCount > RESOLVED_MAX) {
      this.resolved.clear();
      this.resolvedCount = 1;
    }
    const list = this.resolved.get(method);
    if (list === undefined) this.resolved.set(method, [entry]);
    else list.push(entry);
  }

  private encodeResult(idHigh: number, idLow: number, value: unknown, exported: ExportedMethod, withAttachments: boolean): Buffer {
    try {
      return encodeValueResponse(this.writer, idHigh, idLow, value, exported.method, withAttachments);
    } catch (err) {
      const e = toRpcError(err, Code.BadResponse);
      return encodeErrorResponse(this.writer, idHigh, idLow, Status.BAD_RESPONSE,
        `Failed to send response: ${exported.service.interface}.${exported.method.name} returned a value that is not a ${exported.method.returns.javaType}: ${e.message}`);
    }
  }

  /**
   * A thrown value becomes a Java Throwable (flag 0/3), which Java consumers rethrow. RpcErrors
   * that are not business failures (the method itself called a service that timed out, say) are
   * reported the same way: to the caller they are the method's failure. Refusals raised before
   * the method ran (a bulkhead or rate limit: SERVER_BUSY; authorization: PERMISSION_DENIED) get
   * the status Java uses for them.
   */
  private encodeThrown(idHigh: number, idLow: number, err: unknown, withAttachments: boolean): Buffer {
    if (err instanceof RpcError && err.code === Code.ServerBusy) {
      return encodeErrorResponse(this.writer, idHigh, idLow, statusForError(err.code), err.message);
    }
    if (err instanceof RpcError && err.code === Code.PermissionDenied) {
      return encodeErrorResponse(this.writer, idHigh, idLow, statusForError(err.code), forbiddenMessage(err.message));
    }
    const javaClass = (err instanceof RpcError && err.remoteClass) || javaClassOfError(err) || 'java.lang.RuntimeException';
    const message = err instanceof Error ? err.message : String(err);
    return encodeExceptionResponse(this.writer, idHigh, idLow, javaClass, message, withAttachments);
  }

  encodeGoAway(): Uint8Array {
    return encodeReadonlyEvent(this.writer, ++this.eventId);
  }
}

/** `err.javaClass`, for errors thrown by user code that want a specific Java exception class. */
function javaClassOfError(err: unknown): string | undefined {
  const c = (err as { javaClass?: unknown } | null)?.javaClass;
  return typeof c === 'string' && c !== '' ? c : undefined;
}

/**
 * The `group` attachment of a request whose attachments are not remembered: decodes the arguments
 * untyped to skip them. Undefined when there is none, or the request cannot be read that way (its
 * typed reading then says what is wrong with it).
 */
function groupAfterArguments(frame: Buffer, descriptor: string): string | undefined {
  try {
    const r = new HessianReader(frame, HEADER_LENGTH, frame.length);
    readRequestHead(r);
    const count = countDescriptors(descriptor);
    for (let i = 0; i < count; i++) r.readValue();
    return toStringAttachments(r.readValue()).group || undefined;
  } catch {
    return undefined;
  }
}

function countDescriptors(descriptor: string): number {
  let n = 0;
  for (let i = 0; i < descriptor.length; i++) {
    while (descriptor[i] === '[') i++;
    if (descriptor[i] === 'L') i = descriptor.indexOf(';', i);
    if (i < 0) break;
    n++;
  }
  return n;
}

/** A Dubbo provider: the engine's server with the Dubbo request handler. */
export class DubboServer extends FrameProtocolServer {
  constructor(handler: ServerHandler, options: ServerOptions = {}) {
    super(new DubboServerCodec(handler), options, {
      idleTimeout: 180_000,
      // After the read-only event a Java consumer still sends what it had already routed here, and
      // fails its pending calls ("Channel ... is inactive") when the close comes first: 75-90 of
      // 26k at 128 in flight from Dubbo 2.7.23 (test/fleet's two-provider stop). Close only after
      // the connection has been quiet a while.
      closeLinger: 300,
    });
  }
}
