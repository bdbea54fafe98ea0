import {
  Code, RpcError, normalizeVersion,
  type ExportedMethod, type Invocation, type MethodDefinition, type ServerHandler, type ServerOptions,
} from '@meshlet/core';
import { DEFAULT_MAX_FRAME_SIZE, FrameProtocolServer, IN_FLIGHT_BUSY_MESSAGE, createServerInvocation, type ServerCodec, type ServerConnection } from '@meshlet/core/engine';
import { bodyReader } from './body.js';
import { DEFAULT_GROUP, DEFAULT_VERSION, HEADER_LENGTH, Meta, META_START, MsgType, SERVER_CLOSE_LINGER, STOP_HOLD } from './constants.js';
import { exceptionFor, stoppingException } from './exception.js';
import { idHigh, idLow, motanSplitter } from './header.js';
import { readMeta } from './meta.js';
import { MetaCache } from './meta-cache.js';
import { overloadForTags, simpleArgTags } from './overload.js';
import { jvmParamName } from './param-desc.js';
import type { ResolvedOptions } from './options.js';
import { encodeExceptionResponse, encodeHeartbeatReply, encodeValueResponse } from './response.js';
import type { Serializer } from './serializer.js';
import { asRpcError } from './wire/errors.js';
import type { ByteReader } from './wire/reader.js';
import { ByteWriter } from './wire/writer.js';
import { SIMPLE_ID } from './simple/tags.js';

/** Per method definition, its overloads (undefined: none), so a call without M_md scans nothing. */
const OVERLOADS = new WeakMap<MethodDefinition, readonly MethodDefinition[] | undefined>();

/** Resolved (service, method) per distinct request key; cleared when it grows past this. */
const RESOLVED_CACHE = 1024;

/** The answer to every request refused while stopping. */
const STOPPING = stoppingException();

/** The answer to every request over its connection's in-flight limit. */
const IN_FLIGHT_BUSY = exceptionFor(new RpcError(Code.ServerBusy, IN_FLIGHT_BUSY_MESSAGE), false);

/** Where a request's answer goes: its connection, or a HeldAnswer while stopping. */
interface Answer {
  write(bytes: Uint8Array): void;
  end(): void;
}

/**
 * The answer to a request served after a stopping provider's refusal burst: written, and its
 * request counted done (the drain waits for it), no earlier than `until`. See refuseOrHold.
 */
class HeldAnswer implements Answer {
  private bytes: Uint8Array | undefined;

  constructor(private readonly conn: ServerConnection, private readonly until: number) {}

  write(bytes: Uint8Array): void {
    this.bytes = bytes;
  }

  end(): void {
    const wait = this.until - Date.now();
    if (wait <= 0) this.flush();
    else setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.bytes !== undefined) this.conn.write(this.bytes);
    this.conn.end();
  }
}

/** Meta keys that address the call; the rest reach the method as attachments (as in Java). */
const ADDRESSING = new Set<string>([Meta.PATH, Meta.METHOD, Meta.METHOD_DESC]);

/** What a request's meta says, decoded once per distinct meta (see MetaCache). */
interface Addressed {
  /** The method the name (and `M_md`) resolved to, before any pick among overloads by the arguments. */
  readonly exported: ExportedMethod;
  readonly hasDesc: boolean;
  /** The meta pairs that reach the method as attachments, as two arrays. */
  readonly keys: readonly string[];
  readonly values: readonly string[];
  /** `M_tmo`, ms; NaN or 0 when absent. */
  readonly timeout: number;
}

/**
 * Server-side Motan2: answers heartbeats, decodes requests in the serialization they name, calls
 * the exported method and answers as a Java provider would, with the request id's 8 bytes echoed
 * as they came (a request the agent proxied keeps its wire id; `M_rid` is only an attachment).
 */
class MotanServerCodec implements ServerCodec {
  readonly splitter = motanSplitter;
  private readonly writer = new ByteWriter();
  private readonly resolved = new Map<string, ExportedMethod>();
  private readonly metas = new MetaCache<Addressed>();
  /** `Date.now()` from which new requests are refused as "provider stopping" (set by a graceful stop). */
  private refuseFrom = Number.POSITIVE_INFINITY;
  /** Per connection, once refusing: the refusals of the current burst and until when answers wait. */
  private readonly bursts = new WeakMap<ServerConnection, { refused: number; holdUntil: number }>();

  constructor(
    private readonly handler: ServerHandler,
    private readonly motan: ResolvedOptions,
    private readonly maxInflated: number,
  ) {}

  onFrame(conn: ServerConnection, frame: Buffer): void {
    const msgType = frame[2]!;
    if ((msgType & MsgType.RESPONSE) !== 0) return; // a client's reply to a heartbeat; we send none
    const started = Date.now();
    const refusing = started >= this.refuseFrom;
    if ((msgType & MsgType.HEARTBEAT) !== 0) {
      // Unanswered while refusing: Java's and motan-go's clients probe an address they marked
      // unavailable with heartbeats, and a reply would bring them back to a provider that is going.
      if (!refusing) conn.write(encodeHeartbeatReply(frame));
      return;
    }
    const twoWay = (msgType & MsgType.ONEWAY) === 0;
    const high = idHigh(frame);
    const low = idLow(frame);
    const serialization = frame[4]! >> 3;
    let out: Answer = conn;
    if (refusing && twoWay) {
      const holdUntil = this.refuseOrHold(conn, started);
      if (holdUntil === 0) {
        // Not begun, so the drain does not wait for it: the caller resends it elsewhere.
        conn.write(encodeExceptionResponse(this.writer, high, low, serialization, STOPPING, 0));
        return;
      }
      out = new HeldAnswer(conn, holdUntil);
    }
    if (conn.full) {
      // Refused unread, as busy (503, SERVICE): callers retry it elsewhere, as it never ran.
      if (twoWay) conn.write(encodeExceptionResponse(this.writer, high, low, serialization, IN_FLIGHT_BUSY, Date.now() - started));
      return;
    }
    let serializer: Serializer;
    let exported: ExportedMethod;
    let inv: Invocation;
    try {
      const found = this.motan.serializations.byId(serialization);
      if (found === undefined) {
        throw new RpcError(Code.Unsupported, `motan: serialization id ${serialization} is not supported; this provider speaks simple (6) and breeze (8)`);
      }
      serializer = found;
      const metaEnd = META_START + frame.readUInt32BE(HEADER_LENGTH);
      const addressed = this.addressed(frame, metaEnd);
      exported = addressed.exported;
      if (!addressed.hasDesc && serializer.id === SIMPLE_ID) {
        const overloads = this.overloadsOf(exported);
        if (overloads) exported = this.overload(exported, overloads, bodyReader(frame, metaEnd + 4, this.maxInflated));
      }
      const args = serializer.method(exported.method).readArgs(bodyReader(frame, metaEnd + 4, this.maxInflated));
      // Each call its own record: interceptors and methods may write to theirs.
      const attachments: Record<string, string> = Object.create(null);
      const { keys, values } = addressed;
      for (let i = 0; i < keys.length; i++) attachments[keys[i]!] = values[i]!;
      inv = createServerInvocation(exported, args, attachments, addressed.timeout, conn, started);
    } catch (err) {
      if (twoWay) {
        const e = asRpcError(err, Code.BadRequest);
        conn.write(encodeExceptionResponse(this.writer, high, low, serialization, exceptionFor(e, false), Date.now() - started));
      }
      return;
    }
    conn.begin();
    exported.invoke(inv).then(
      (value) => {
        if (twoWay) out.write(this.encodeResult(high, low, serializer, exported, value, started));
        out.end();
      },
      (err: unknown) => {
        if (twoWay) {
          const e = err instanceof RpcError ? err : new RpcError(Code.Business, err instanceof Error ? err.message : String(err));
          // The method's failures are business exceptions; a refusal by a server interceptor
          // before the method ran (bulkhead, rate limit: busy; authorization: not allowed) is not.
          const business = e.code !== Code.ServerBusy && e.code !== Code.PermissionDenied;
          out.write(encodeExceptionResponse(this.writer, high, low, serializer.id, exceptionFor(e, business), Date.now() - started));
        }
        out.end();
      },
    );
  }

  /** The meta's service, method, attachments and timeout: decoded and resolved once per distinct meta. */
  private addressed(frame: Buffer, metaEnd: number): Addressed {
    const hit = this.metas.find(frame, META_START, metaEnd);
    if (hit !== undefined) return hit.value;
    const meta = readMeta(frame, META_START, metaEnd);
    const exported = this.resolve(meta);
    const keys: string[] = [];
    const values: string[] = [];
    for (const k in meta) {
      if (ADDRESSING.has(k)) continue;
      keys.push(k);
      values.push(meta[k]!);
    }
    const value: Addressed = { exported, hasDesc: meta[Meta.METHOD_DESC] !== undefined, keys, values, timeout: Number(meta[Meta.TIMEOUT]) };
    this.metas.add(frame, META_START, metaEnd, value);
    return value;
  }

  private encodeResult(high: number, low: number, serializer: Serializer, exported: ExportedMethod, value: unknown, started: number): Buffer {
    const codec = serializer.method(exported.method);
    try {
      return encodeValueResponse(this.writer, high, low, serializer, codec, value, Date.now() - started, this.motan.minGzipSize);
    } catch (err) {
      const e = asRpcError(err, Code.BadResponse);
      const bad = new RpcError(Code.BadResponse,
        `${exported.service.interface}.${exported.method.name} returned a value that is not a ${exported.method.returns.javaType}: ${e.message}`);
      return encodeExceptionResponse(this.writer, high, low, serializer.id, exceptionFor(bad, false), Date.now() - started);
    }
  }

  /**
   * Without `M_md` (motan-go never sends it) the name alone found the first overload; the
   * arguments' simple tags pick the one they fit, as a Java provider's receiver types would.
   */
  private overload(found: ExportedMethod, candidates: readonly MethodDefinition[], body: ByteReader): ExportedMethod {
    const tags = simpleArgTags(body);
    const fit = tags && overloadForTags(candidates, tags);
    if (fit === undefined || fit === found.method) return found;
    return this.handler.resolve(found.service, found.method.name, fit.paramTypes);
  }

  /** The overloads sharing the method's Java name, found once per method; undefined when it has none. */
  private overloadsOf(found: ExportedMethod): readonly MethodDefinition[] | undefined {
    if (!OVERLOADS.has(found.method)) {
      const same = [...found.service.methods.values()].filter((m) => m.name === found.method.name);
      OVERLOADS.set(found.method, same.length > 1 ? same : undefined);
    }
    return OVERLOADS.get(found.method);
  }

  /**
   * Refusing, per connection: a burst of `stopRefusals` refusals (10), then the requests that
   * follow are served but answered only `STOP_HOLD` ms after the burst. Java's and motan-go's
   * clients mark an address unavailable after 10 errors in a row (`fusingThreshold`,
   * `errorCountThreshold`; with `retries` 0 each is a failed call) and a success read before then
   * resets their count: refusing everything failed what they had on the wire (63-108 calls of 128
   * in flight per stop, motan-go by address), held answers arrive once the burst was read and the
   * address is out, so those calls are kept. A connection still sending after the hold gets a new
   * burst. Returns 0 to refuse the request, else the time its answer waits for.
   */
  private refuseOrHold(conn: ServerConnection, now: number): number {
    let burst = this.bursts.get(conn);
    if (burst === undefined) this.bursts.set(conn, (burst = { refused: 0, holdUntil: 0 }));
    const limit = this.motan.stopRefusals;
    if (burst.refused >= limit && now < burst.holdUntil) return burst.holdUntil;
    if (burst.refused >= limit) burst.refused = 0;
    if (++burst.refused >= limit) burst.holdUntil = now + STOP_HOLD;
    return 0;
  }

  encodeGoAway(): undefined {
    // Motan2 has no frame for it: see refuseAfter.
    return undefined;
  }

  /**
   * A graceful stop began: serve as usual for `ms` more (registry callers drop the address), then
   * refuse new requests with the "provider stopping" rejection, which callers retry elsewhere.
   */
  refuseAfter(ms: number): void {
    this.refuseFrom = Math.min(this.refuseFrom, Date.now() + ms);
  }

  private resolve(meta: Record<string, string>): ExportedMethod {
    const path = meta[Meta.PATH];
    const method = meta[Meta.METHOD];
    if (!path || !method) throw new RpcError(Code.BadRequest, 'motan: request without M_p (service) or M_m (method)');
    const group = meta[Meta.GROUP];
    // Java motan's referer sends its version only as the attachment `version` (no M_v); its
    // provider routes on that attachment, which its codec also fills from M_v.
    const version = meta[Meta.VERSION] ?? meta.version;
    const desc = meta[Meta.METHOD_DESC];
    const key = `${path}\n${group ?? ''}\n${version ?? ''}\n${method}\n${desc ?? ''}`;
    let found = this.resolved.get(key);
    if (found === undefined) {
      try {
        found = this.lookup(path, group, version, method, desc);
      } catch (err) {
        this.handler.refused?.({ interface: path, group, version }, method, err);
        throw err;
      }
      if (this.resolved.size >= RESOLVED_CACHE) {
        this.resolved.clear();
        this.metas.clear();
      }
      this.resolved.set(key, found);
    }
    return found;
  }

  /**
   * As liberal as Java's provider router, which falls back to the interface alone when the group
   * does not match, and motan-go, which ignores the group: the exact (group, version) first, then
   * without the group, then the other of "no version" and Motan's default `1.0`.
   */
  private lookup(path: string, group: string | undefined, version: string | undefined, method: string, desc: string | undefined): ExportedMethod {
    const groups = group && group !== DEFAULT_GROUP ? [group, undefined] : [undefined];
    const v = normalizeVersion(version);
    const versions = v === undefined ? [undefined, DEFAULT_VERSION] : v === DEFAULT_VERSION ? [v, undefined] : [v];
    let first: RpcError | undefined;
    for (const g of groups) {
      for (const ver of versions) {
        try {
          return this.method({ interface: path, group: g, version: ver }, method, desc);
        } catch (err) {
          const e = asRpcError(err, Code.ServiceNotFound);
          if (e.code !== Code.ServiceNotFound) throw e;
          first ??= e;
        }
      }
    }
    throw first!;
  }

  /**
   * The method by `M_md` (Java's parameter class names), then by name alone (Go sends no `M_md`,
   * and under simple a Java peer declares a class parameter as a Map), then with the first letter
   * lower-cased as Java's provider tries it.
   */
  private method(service: { interface: string; group: string | undefined; version: string | undefined }, name: string, desc: string | undefined): ExportedMethod {
    if (desc) {
      try {
        return this.handler.resolve(service, name, desc === 'void' ? [] : desc.split(',').map(jvmParamName));
      } catch (err) {
        if (!RpcError.is(err, Code.MethodNotFound)) throw err;
      }
    }
    try {
      return this.handler.resolve(service, name);
    } catch (err) {
      const lower = name.charAt(0).toLowerCase() + name.slice(1);
      if (!RpcError.is(err, Code.MethodNotFound) || lower === name) throw err;
      return this.handler.resolve(service, lower);
    }
  }
}

/** A Motan2 provider: the engine's server with the Motan2 request handler, and its stop notice. */
export class MotanServer extends FrameProtocolServer {
  private readonly codec: MotanServerCodec;
  private readonly stopNotice: number;

  constructor(handler: ServerHandler, options: ServerOptions, motan: ResolvedOptions) {
    const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const codec = new MotanServerCodec(handler, motan, maxFrameSize);
    super(codec, options, { idleTimeout: 180_000, closeLinger: SERVER_CLOSE_LINGER, maxFrameSize });
    this.codec = codec;
    this.stopNotice = motan.stopNotice;
  }

  /**
   * Graceful stop: requests are served for the notice period (at most half the grace period),
   * refused as "provider stopping" after it, and the connections close once what was accepted is
   * answered and none was accepted for the linger.
   */
  override close(graceMs = 10_000) {
    this.codec.refuseAfter(Math.min(this.stopNotice, graceMs / 2));
    return super.close(graceMs);
  }
}
