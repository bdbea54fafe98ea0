import { createRequire } from 'node:module';

/**
 * A typed face for the parts of rsocket-js 0.0.27 (`rsocket-core`, `rsocket-flowable`) that we
 * use. That line is Flow-typed JavaScript without bundled TypeScript types, and the DefinitelyTyped
 * ones describe an older API, so the few shapes we rely on are declared here, next to the one
 * `require` that loads them: the version is pinned exactly in package.json.
 *
 * We take the protocol machine (stream ids, request-n, cancel, keepalive, SETUP, fragment
 * reassembly) from rsocket-core and bring our own TCP transport (`tcp-connection.ts`): the
 * library's transports buffer without a frame-size limit and write one syscall per frame.
 */

/** A frame as rsocket-core's (de)serializer spells it; we only read these fields. */
export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  /** Received frames: a Buffer. Frames we send may carry JSON text as a string (written once, by us). */
  readonly data?: Buffer | string | null;
  readonly metadata?: Buffer | null;
  readonly requestN?: number;
  readonly code?: number;
  readonly message?: string;
  /** SETUP only. */
  readonly metadataMimeType?: string;
  readonly dataMimeType?: string;
}

/**
 * A payload. Received data is a Buffer; data we send may be a string of JSON text, which our
 * frame writer encodes straight into the frame (rsocket-core passes data through untouched with
 * its default identity serializers).
 */
export interface Payload {
  data: Buffer | string | null;
  metadata: Buffer | null;
}

/** A payload as it arrives: data is always bytes. */
export interface ReceivedPayload {
  data: Buffer | null;
  metadata: Buffer | null;
}

export interface Subscription {
  request(n: number): void;
  cancel(): void;
}

export interface Subscriber<T> {
  onSubscribe?(subscription: Subscription): void;
  onNext?(value: T): void;
  onComplete?(): void;
  onError?(error: Error): void;
}

export interface SingleSubscriber<T> {
  onSubscribe?(cancel: () => void): void;
  onComplete?(value: T): void;
  onError?(error: Error): void;
}

export interface Flowable<T> {
  subscribe(subscriber: Subscriber<T>): void;
}

export interface Single<T> {
  subscribe(subscriber: SingleSubscriber<T>): void;
}

/** The subscriber a `Single` source receives: `onSubscribe` first, then one of the others. */
export interface SingleSink<T> {
  onSubscribe(cancel?: () => void): void;
  onComplete(value: T): void;
  onError(error: Error): void;
}

/** The subscriber a `Flowable` source receives. */
export interface FlowableSink<T> {
  onSubscribe(subscription: Subscription): void;
  onNext(value: T): void;
  onComplete(): void;
  onError(error: Error): void;
}

export type ConnectionStatus =
  | { readonly kind: 'NOT_CONNECTED' | 'CONNECTING' | 'CONNECTED' | 'CLOSED' }
  | { readonly kind: 'ERROR'; readonly error: Error };

/** The transport contract rsocket-core's client and server drive. */
export interface DuplexConnection {
  sendOne(frame: Frame): void;
  send(frames: Flowable<Frame>): void;
  receive(): Flowable<Frame>;
  close(): void;
  connect(): void;
  connectionStatus(): Flowable<ConnectionStatus>;
}

/** One side's view of a connection: what it can ask of the peer. */
export interface ReactiveSocket {
  fireAndForget(payload: Payload): void;
  requestResponse(payload: Payload): Single<ReceivedPayload>;
  requestStream(payload: Payload): Flowable<ReceivedPayload>;
  metadataPush(payload: Payload): Single<void>;
  close(): void;
  connectionStatus(): Flowable<ConnectionStatus>;
}

/** What a side answers; every member optional (unset ones answer with an error). */
export interface Responder {
  fireAndForget?(payload: ReceivedPayload): void;
  requestResponse?(payload: ReceivedPayload): Single<Payload>;
  requestStream?(payload: ReceivedPayload): Flowable<Payload>;
  metadataPush?(payload: ReceivedPayload): Single<void>;
}

export interface SetupOptions {
  readonly keepAlive: number;
  readonly lifetime: number;
  readonly dataMimeType: string;
  readonly metadataMimeType: string;
}

export interface ClientConfig {
  readonly setup: SetupOptions;
  readonly transport: DuplexConnection;
  readonly responder?: Responder;
  readonly errorHandler?: (error: Error) => void;
}

export interface ServerTransport {
  start(): Flowable<DuplexConnection>;
  stop(): void;
}

export interface ServerConfig {
  readonly transport: ServerTransport;
  readonly getRequestHandler: (socket: ReactiveSocket, setup: ReceivedPayload) => Responder;
  readonly errorHandler?: (error: Error) => void;
}

export interface Encoders {
  readonly __brand?: 'encoders';
}

interface CoreModule {
  RSocketClient: new (config: ClientConfig) => { connect(): Single<ReactiveSocket>; close(): void };
  RSocketServer: new (config: ServerConfig) => { start(): void; stop(): void };
  BufferEncoders: Encoders;
  serializeFrame(frame: Frame, encoders: Encoders): Buffer;
  deserializeFrame(buffer: Buffer, encoders: Encoders): Frame;
}

interface FlowableModule {
  Flowable: new <T>(source: (sink: FlowableSink<T>) => void, max?: number) => Flowable<T>;
  Single: new <T>(source: (sink: SingleSink<T>) => void) => Single<T>;
}

const require = createRequire(import.meta.url);
const core = require('rsocket-core') as CoreModule;
const flowable = require('rsocket-flowable') as FlowableModule;

export const RSocketClient = core.RSocketClient;
export const RSocketServer = core.RSocketServer;
/**
 * Data and metadata as Buffers. 0.0.27's default encoders are UTF-8 strings and throw
 * `RSocketEncoding: Expected value to be a string` on binary data; every frame we (de)serialize
 * goes through these.
 */
export const BufferEncoders = core.BufferEncoders;
export const serializeFrame = core.serializeFrame;
export const deserializeFrame = core.deserializeFrame;
export const FlowableCtor = flowable.Flowable;
export const SingleCtor = flowable.Single;

/** Frame types (RSocket protocol 1.0, "Frame Types"). */
export const FrameType = {
  SETUP: 0x01,
  KEEPALIVE: 0x03,
  RESUME: 0x0d,
  REQUEST_RESPONSE: 0x04,
  REQUEST_FNF: 0x05,
  REQUEST_STREAM: 0x06,
  REQUEST_CHANNEL: 0x07,
  REQUEST_N: 0x08,
  CANCEL: 0x09,
  PAYLOAD: 0x0a,
  ERROR: 0x0b,
  METADATA_PUSH: 0x0c,
} as const;

export const Flag = {
  IGNORE: 0x200,
  METADATA: 0x100,
  FOLLOWS: 0x80,
  COMPLETE: 0x40,
  NEXT: 0x20,
} as const;

/** Error codes (RSocket protocol 1.0, "Error Codes"). */
export const ErrorCode = {
  INVALID_SETUP: 0x001,
  UNSUPPORTED_SETUP: 0x002,
  REJECTED_SETUP: 0x003,
  REJECTED_RESUME: 0x004,
  CONNECTION_ERROR: 0x101,
  CONNECTION_CLOSE: 0x102,
  APPLICATION_ERROR: 0x201,
  REJECTED: 0x202,
  CANCELED: 0x203,
  INVALID: 0x204,
} as const;

/** The error rsocket-core builds from an ERROR frame carries the frame's code and message here. */
export interface FrameError extends Error {
  source?: { code: number; message: string };
}
