import {
  Code, RpcError, callContext, toRpcError,
  type ExportedMethod, type Invocation, type ServerHandler,
} from '@meshlet/core';
import { createServerInvocation, IN_FLIGHT_BUSY_MESSAGE } from '@meshlet/core/engine';
import { errorMessage } from './errors.js';
import { payloadExceeds } from './frame-writer.js';
import { methodCodec, type Data, type MethodCodec } from './payload-codec.js';
import { decodeRequestMetadata } from './request-metadata.js';
import { parseRoute } from './route.js';
import {
  FlowableCtor, SingleCtor,
  type Flowable, type Payload, type ReceivedPayload, type Responder, type Single,
} from './rsocket-lib.js';
import { StreamPublisher } from './stream-publisher.js';
import type { TcpConnection } from './tcp-connection.js';

/** What a responder needs from its server: admission and in-flight accounting for graceful stop. */
export interface ServerGate {
  /** False once the server is stopping: new requests are refused with SHUTDOWN. */
  readonly accepting: boolean;
  begin(): void;
  end(): void;
  /** Largest frame this server sends or takes. */
  readonly maxFrameSize: number;
  /** Requests (and streams) one connection may have in flight; more are refused as busy, unread. */
  readonly maxInFlightPerConnection: number;
  /** Failures the caller cannot be told about (fire-and-forget). */
  readonly onOnewayError?: ((error: RpcError) => void) | undefined;
}

interface Prepared {
  readonly exported: ExportedMethod;
  readonly codec: MethodCodec;
  readonly inv: Invocation;
}

interface Target {
  readonly exported: ExportedMethod;
  readonly codec: MethodCodec;
}

const EMPTY = Buffer.alloc(0);
const MAX_TARGETS = 256;

/**
 * Answers one connection's requests: reads the route and Meshlet's entry from the metadata, finds
 * the exported method (version and group from the entry), decodes the arguments under the
 * method's codec and calls it with the caller's remaining budget as its deadline. Failures go back
 * as ERROR frames (`errors.ts`); nothing here throws into rsocket-core.
 *
 * Interactions are matched leniently, as Spring matches them: request-response and
 * fire-and-forget reach any method that is not a stream, request-stream reaches a stream method or
 * any other (one item, then complete). A stream method asked for one response is refused.
 */
export class ConnectionResponder implements Responder {
  private readonly metadataMime: string;
  private readonly targets = new Map<string, Target>();
  /** This connection's requests and streams in flight (the server counts all of them for stop). */
  private inFlight = 0;

  constructor(
    private readonly handler: ServerHandler,
    private readonly conn: TcpConnection,
    private readonly gate: ServerGate,
  ) {
    this.metadataMime = conn.setup?.metadataMimeType ?? '';
  }

  requestResponse(payload: ReceivedPayload): Single<Payload> {
    return new SingleCtor<Payload>((sink) => {
      let cancelled = false;
      sink.onSubscribe(() => {
        cancelled = true;
      });
      let call: Prepared;
      try {
        this.admit();
        call = this.prepareSingle(payload);
      } catch (err) {
        sink.onError(new Error(errorMessage(err)));
        return;
      }
      this.begin();
      call.exported.invoke(call.inv).then(
        (value) => {
          this.end();
          if (cancelled) return;
          let data: Data;
          try {
            data = this.checked(call.codec.encodeResult(value));
          } catch (err) {
            sink.onError(new Error(errorMessage(badResult(call, err))));
            return;
          }
          sink.onComplete({ data, metadata: null });
        },
        (err: unknown) => {
          this.end();
          if (!cancelled) sink.onError(new Error(errorMessage(err)));
        },
      );
    });
  }

  fireAndForget(payload: ReceivedPayload): void {
    let call: Prepared;
    try {
      this.admit();
      call = this.prepareSingle(payload);
    } catch (err) {
      this.gate.onOnewayError?.(toRpcError(err, Code.BadRequest));
      return;
    }
    this.begin();
    call.exported.invoke(call.inv).then(
      () => this.end(),
      (err: unknown) => {
        this.end();
        this.gate.onOnewayError?.(toRpcError(err, Code.Business));
      },
    );
  }

  requestStream(payload: ReceivedPayload): Flowable<Payload> {
    return new FlowableCtor<Payload>((sink) => {
      let call: Prepared;
      try {
        this.admit();
        call = this.prepare(payload);
      } catch (err) {
        sink.onSubscribe({ request() {}, cancel() {} });
        sink.onError(new Error(errorMessage(err)));
        return;
      }
      const single = !call.exported.method.stream;
      this.begin();
      const publisher = new StreamPublisher(sink, {
        encode: (item) => {
          try {
            return this.checked(call.codec.encodeResult(item));
          } catch (err) {
            throw badResult(call, err);
          }
        },
        congested: () => this.conn.congested,
        drained: () => this.conn.drained(),
        onEnd: () => this.end(),
      });
      sink.onSubscribe(publisher);
      // The producer's body runs inside this call's context: its own calls inherit the deadline.
      void callContext.run(call.inv, () => publisher.run(call.exported.invoke(call.inv), single));
    });
  }

  metadataPush(): Single<void> {
    return new SingleCtor<void>((sink) => {
      sink.onSubscribe();
      sink.onComplete(undefined);
    });
  }

  /** Refuses a request past the connection's in-flight limit before its payload is decoded. */
  private admit(): void {
    if (this.inFlight >= this.gate.maxInFlightPerConnection) throw new RpcError(Code.ServerBusy, IN_FLIGHT_BUSY_MESSAGE);
  }

  private begin(): void {
    this.inFlight++;
    this.gate.begin();
  }

  private end(): void {
    this.inFlight--;
    this.gate.end();
  }

  /** A result too large for one frame fails the call, not the connection. */
  private checked(data: Data): Data {
    if (payloadExceeds(data, null, this.gate.maxFrameSize)) {
      throw new RpcError(Code.FrameTooLarge, `the result is larger than the frame limit of ${this.gate.maxFrameSize} bytes`);
    }
    return data;
  }

  /** Route → method, remembered per connection (exports do not change while serving). */
  private target(route: string, version: string | undefined, group: string | undefined): Target {
    const key = version === undefined && group === undefined ? route : `${route}\u0000${version ?? ''}\u0000${group ?? ''}`;
    let target = this.targets.get(key);
    if (target === undefined) {
      const { interface: iface, method } = parseRoute(route);
      let exported: ExportedMethod;
      try {
        exported = this.handler.resolve({ interface: iface, version, group }, method);
      } catch (err) {
        this.handler.refused?.({ interface: iface, version, group }, method, err);
        throw err;
      }
      target = { exported, codec: methodCodec(exported.method) };
      // Bounded: a peer sending endless distinct routes only ever fails to resolve them.
      if (this.targets.size >= MAX_TARGETS) this.targets.clear();
      this.targets.set(key, target);
    }
    return target;
  }

  private prepare(payload: ReceivedPayload): Prepared {
    if (!this.gate.accepting) throw new RpcError(Code.Shutdown, 'the provider is shutting down: send the call elsewhere');
    const meta = decodeRequestMetadata(payload.metadata, this.metadataMime);
    const { exported, codec } = this.target(meta.route, meta.meshlet?.version, meta.meshlet?.group);
    if (meta.dataMime !== undefined && meta.dataMime !== codec.mime) {
      throw new RpcError(Code.Unsupported, `${meta.route} takes ${codec.mime} data, not ${meta.dataMime}`);
    }
    let args: unknown[];
    try {
      args = codec.decodeArgs(payload.data ?? EMPTY);
    } catch (err) {
      throw new RpcError(Code.BadRequest, `cannot decode the arguments of ${meta.route}: ${(err as Error).message}`, { cause: err });
    }
    const attachments = meta.meshlet?.attachments ?? (Object.create(null) as Record<string, string>);
    return { exported, codec, inv: createServerInvocation(exported, args, attachments, meta.meshlet?.timeout, this.conn) };
  }

  /** A request for one response (request-response, fire-and-forget): a stream method is refused. */
  private prepareSingle(payload: ReceivedPayload): Prepared {
    const call = this.prepare(payload);
    if (call.exported.method.stream) {
      throw new RpcError(Code.Unsupported, `${call.exported.method.name} is a stream method: call it with request-stream`);
    }
    return call;
  }
}

function badResult(call: Prepared, err: unknown): RpcError {
  if (RpcError.is(err, Code.FrameTooLarge)) return err;
  const m = call.exported.method;
  return new RpcError(Code.BadResponse, `${call.exported.service.interface}.${m.name} returned a value that is not a ${m.returns.javaType}: ${(err as Error).message}`, { cause: err });
}
