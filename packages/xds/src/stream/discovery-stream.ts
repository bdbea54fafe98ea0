// A state-of-the-world xDS subscription over one gRPC bidi stream (Envoy's protocol:
// envoy/service/discovery/v3, "xDS REST and gRPC protocol"), for any resource type: SDS uses it
// for secrets (@meshlet/security/sds). The ADS client (XdsClient) multiplexes types on one stream
// of its own and does not use this.
//
// What it does, as Envoy does:
// - first request of a stream: node, resource names, type URL and the last version accepted
//   (empty at the start), no nonce;
// - each response is handed to `accept`; when it returns, the response is ACKed (its
//   version_info and nonce); when it throws, NACKed (the previous version_info, the nonce and
//   error_detail with the message) and the last accepted value stays;
// - a stream that breaks or ends is reopened after an exponential backoff, reset once a response
//   arrives; the last accepted value is kept meanwhile, and the new stream names its version so a
//   server with nothing newer can tell.
import { Backoff, type BackoffOptions } from '@meshlet/core/engine';
import * as grpc from '@grpc/grpc-js';
import {
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  type AnyResource,
  type DiscoveryRequest,
  type XdsNode,
} from './xds-messages.js';

/** google.rpc.Code INVALID_ARGUMENT, the code Envoy puts in a NACK's error_detail. */
const INVALID_ARGUMENT = 3;

export interface DiscoveryStreamOptions<T> {
  /** gRPC target: `unix:/path/to/socket` or `host:port`. */
  readonly target: string;
  /** Full method path, e.g. `/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets`. */
  readonly method: string;
  readonly typeUrl: string;
  readonly resourceNames: readonly string[];
  readonly node?: XdsNode | undefined;
  /**
   * Turns a response's resources into the value to adopt, or throws to NACK the response (the
   * error's message goes back as error_detail). It sees every response, in order.
   */
  readonly accept: (resources: readonly AnyResource[], version: string) => T;
  /** Called after each accepted (and ACKed) response. */
  readonly onAccepted?: ((value: T, version: string) => void) | undefined;
  /** Called after each NACK, with its message and the refused response's version_info ('' when unreadable). */
  readonly onRejected?: ((message: string, version: string) => void) | undefined;
  /** Reconnect delays (default 200 ms doubling by 1.6 up to 10 s, ±20 %). */
  readonly backoff?: BackoffOptions | undefined;
  /** Default: plaintext, as the node agent's Unix socket is. */
  readonly credentials?: grpc.ChannelCredentials | undefined;
}

export type DiscoveryState = 'connecting' | 'open' | 'backoff' | 'closed';

export interface DiscoveryStatus {
  readonly state: DiscoveryState;
  /** The version_info last accepted, '' before any. */
  readonly version: string;
  readonly acceptedAt?: Date | undefined;
  /** Streams opened so far (1 + reconnects). */
  readonly streams: number;
  readonly acks: number;
  readonly nacks: number;
  /** The last problem: a NACKed response or a broken stream. */
  readonly lastError?: { readonly message: string; readonly at: Date } | undefined;
}

export class DiscoveryStream<T> {
  private readonly client: grpc.Client;
  private readonly backoff: Backoff;
  private call: grpc.ClientDuplexStream<DiscoveryRequest, Buffer> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private state: DiscoveryState = 'connecting';
  private version = '';
  private acceptedAt: Date | undefined;
  private streams = 0;
  private acks = 0;
  private nacks = 0;
  private lastError: { message: string; at: Date } | undefined;
  private value: T | undefined;

  constructor(private readonly options: DiscoveryStreamOptions<T>) {
    const backoff = { initial: 200, max: 10_000, ...options.backoff };
    this.backoff = new Backoff(backoff);
    // grpc-js keeps its own reconnect backoff for the connection (1 s to 120 s by default); while
    // it waits, our stream attempts fail at once. Keep it within ours, so a restarted server is
    // reached within our backoff, not two minutes later.
    this.client = new grpc.Client(options.target, options.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': backoff.initial,
      'grpc.max_reconnect_backoff_ms': backoff.max,
    });
  }

  /** Opens the stream; call once. */
  start(): this {
    this.open();
    return this;
  }

  /** The value of the last accepted response, kept across broken streams. */
  get current(): T | undefined {
    return this.value;
  }

  status(): DiscoveryStatus {
    return {
      state: this.state,
      version: this.version,
      acceptedAt: this.acceptedAt,
      streams: this.streams,
      acks: this.acks,
      nacks: this.nacks,
      lastError: this.lastError,
    };
  }

  /** Ends the stream, the reconnect timer and the channel; nothing runs afterwards. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    this.timer = undefined;
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.client.close();
  }

  private open(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    this.streams++;
    const call = this.client.makeBidiStreamRequest<DiscoveryRequest, Buffer>(
      this.options.method,
      encodeDiscoveryRequest,
      (bytes) => bytes,
    );
    this.call = call;
    call.on('data', (bytes: Buffer) => {
      if (call === this.call) this.onResponse(bytes);
    });
    // 'error' carries a non-OK status, 'end' a server that finished the stream: either way
    // this stream is over (an xDS stream has no natural end).
    call.on('error', (err: grpc.ServiceError) => this.onBroken(call, err.details || err.message));
    call.on('end', () => this.onBroken(call, 'the server ended the stream'));
    this.send(call, {
      versionInfo: this.version,
      node: this.options.node,
      resourceNames: this.options.resourceNames,
      typeUrl: this.options.typeUrl,
      responseNonce: '',
    });
  }

  private onResponse(bytes: Buffer): void {
    const call = this.call;
    if (!call) return;
    this.state = 'open';
    this.backoff.reset();
    let nonce = '';
    let version = '';
    let value: T;
    try {
      const response = decodeDiscoveryResponse(bytes);
      nonce = response.nonce;
      version = response.versionInfo;
      if (response.typeUrl && response.typeUrl !== this.options.typeUrl) {
        throw new Error(`response of type ${response.typeUrl}, subscribed to ${this.options.typeUrl}`);
      }
      value = this.options.accept(response.resources, version);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.nacks++;
      this.lastError = { message: `rejected: ${message}`, at: new Date() };
      this.send(call, this.followUp(nonce, { code: INVALID_ARGUMENT, message }));
      this.options.onRejected?.(message, version);
      return;
    }
    this.value = value;
    this.version = version;
    this.acceptedAt = new Date();
    this.acks++;
    this.send(call, this.followUp(nonce));
    // Outside the try: the response is ACKed by now, whatever the callback does; and a callback's
    // bug must not escape into grpc-js' event handler.
    try {
      this.options.onAccepted?.(value, version);
    } catch (err) {
      process.emitWarning(`xDS ${this.options.typeUrl}: onAccepted threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // ACK (no error) or NACK: the version we hold and the nonce of the response answered.
  private followUp(nonce: string, errorDetail?: { code: number; message: string }): DiscoveryRequest {
    return {
      versionInfo: this.version,
      resourceNames: this.options.resourceNames,
      typeUrl: this.options.typeUrl,
      responseNonce: nonce,
      errorDetail,
    };
  }

  private send(call: grpc.ClientDuplexStream<DiscoveryRequest, Buffer>, req: DiscoveryRequest): void {
    // A write on a stream that just broke is dropped: the reconnect asks again.
    if (call === this.call && !call.writableEnded) call.write(req);
  }

  private onBroken(call: grpc.ClientDuplexStream<DiscoveryRequest, Buffer>, why: string): void {
    if (call !== this.call || this.state === 'closed') return;
    this.call = undefined;
    call.cancel();
    this.lastError = { message: `stream to ${this.options.target} broke: ${why}`, at: new Date() };
    this.state = 'backoff';
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.open();
    }, this.backoff.next());
  }
}
