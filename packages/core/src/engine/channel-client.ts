import { Code, RpcError } from '../errors.js';
import type { Endpoint } from '../endpoint.js';
import type { Invocation } from '../invocation.js';
import type { ClientOptions, ProtocolClient } from '../protocol.js';
import type { MethodDefinition, ServiceDefinition } from '../service.js';
import { ClientChannel, type ChannelOptions, type ClientCodec } from './client-channel.js';

/** What a protocol chooses for its client where the user did not. */
export interface ChannelClientDefaults {
  /** Heartbeat after this long without reads, ms (Dubbo and Motan2: 60 s; Bolt: 15 s). */
  readonly heartbeatInterval: number;
  /** Largest frame, when the protocol's default differs from the engine's. */
  readonly maxFrameSize?: number | undefined;
}

/** The engine's channel options for one endpoint: the user's `ClientOptions` over the protocol's defaults. */
export function channelOptions(endpoint: Endpoint, options: ClientOptions, defaults: ChannelClientDefaults): ChannelOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    tls: options.tls,
    heartbeatInterval: options.heartbeatInterval ?? defaults.heartbeatInterval,
    idleTimeout: options.idleTimeout,
    connectTimeout: options.connectTimeout,
    probeTimeout: options.probeTimeout,
    maxFrameSize: options.maxFrameSize ?? defaults.maxFrameSize,
    frameTimeout: options.frameTimeout,
    writeHighWater: options.writeHighWater,
    goAwayHoldOff: options.goAwayHoldOff,
  };
}

const toUndefined = (): undefined => undefined;

/**
 * A framed protocol's `ProtocolClient`: one `ClientChannel` to one endpoint. The protocol encodes
 * a request (its own part: `invoke`) and hands the frame to `send`; availability, the pending
 * count and closing are the channel's. Dubbo, Bolt and Motan2 clients extend it.
 */
export abstract class ChannelClient<Id, Context> implements ProtocolClient {
  protected readonly channel: ClientChannel<Id, Context>;

  constructor(readonly endpoint: Endpoint, codec: ClientCodec<Id, Context>, options: ClientOptions, defaults: ChannelClientDefaults) {
    this.channel = new ClientChannel(codec, channelOptions(endpoint, options, defaults));
  }

  get available(): boolean {
    return this.channel.available;
  }

  /** Calls waiting for a response (the least-pending balancer reads it). */
  get pendingCount(): number {
    return this.channel.pendingCount;
  }

  abstract invoke(inv: Invocation): Promise<unknown>;

  /**
   * Sends an encoded request: a oneway one resolves (to undefined) once it is on a live
   * connection, any other with the response `codec.decodeResponse` makes of `context`.
   */
  protected send(id: Id, frame: Uint8Array, inv: Invocation, context: Context, oneway: boolean): Promise<unknown> {
    if (oneway) return this.channel.sendOneway(frame, inv.deadline).then(toUndefined);
    return this.channel.call(id, frame, inv.deadline, context, inv.signal);
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}

/** A request that could not be encoded: the encoder's RpcError as it is, anything else as SERIALIZATION. */
export function encodeFailure(err: unknown, inv: Invocation): RpcError {
  return err instanceof RpcError ? err : new RpcError(Code.Serialization, `cannot encode ${inv.method.name}: ${(err as Error).message}`, { cause: err });
}

/**
 * What a client computes once per referred method (request prefixes, codecs), built on the first
 * call. Keyed by the definitions themselves (weakly): a dropped service definition drops its entries.
 */
export class MethodMemo<T> {
  private readonly byService = new WeakMap<ServiceDefinition, Map<MethodDefinition, T>>();

  constructor(private readonly build: (service: ServiceDefinition, method: MethodDefinition) => T) {}

  get(service: ServiceDefinition, method: MethodDefinition): T {
    let byMethod = this.byService.get(service);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.byService.set(service, byMethod);
    }
    let value = byMethod.get(method);
    if (value === undefined) {
      value = this.build(service, method);
      byMethod.set(method, value);
    }
    return value;
  }
}
