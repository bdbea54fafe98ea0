import {
  Code, InboundKind, RpcError, remaining,
  type ClientCodec, type ClientOptions, type Endpoint, type Invocation,
} from '@meshlet/core';
import { ChannelClient, DEFAULT_MAX_FRAME_SIZE, MethodMemo, SafeIdCodec } from '@meshlet/core/engine';
import { MsgType } from './constants.js';
import { motanSplitter } from './header.js';
import type { ResolvedOptions } from './options.js';
import { encodeRequest, prepareCall, type PreparedCall } from './request.js';
import { decodeResponse, encodeHeartbeat, encodeHeartbeatReply } from './response.js';
import { isSerializationName, type Serializations } from './serializations.js';
import type { Serializer } from './serializer.js';
import { asRpcError } from './wire/errors.js';
import { ByteWriter, idHalves } from './wire/writer.js';

const TWO_32 = 2 ** 32;

/**
 * Client-side Motan2 framing, shared by the client and the relay's upstream connections: frame
 * classification and heartbeat replies, over core's 53-bit ids.
 */
export abstract class MotanClientFraming<Context> extends SafeIdCodec implements ClientCodec<number, Context> {
  readonly splitter = motanSplitter;

  classify(frame: Buffer): InboundKind {
    const msgType = frame[2]!;
    if ((msgType & MsgType.RESPONSE) === 0) {
      return (msgType & MsgType.HEARTBEAT) !== 0 ? InboundKind.HeartbeatRequest : InboundKind.Ignore;
    }
    if ((msgType & MsgType.HEARTBEAT) !== 0) return InboundKind.HeartbeatResponse;
    return this.acceptResponseId(frame.readUInt32BE(5), frame.readUInt32BE(9)) ? InboundKind.Response : InboundKind.Ignore;
  }

  encodeHeartbeatReply(request: Buffer): Uint8Array {
    return encodeHeartbeatReply(request);
  }

  abstract encodeHeartbeat(id: number): Uint8Array;
  abstract decodeResponse(frame: Buffer, context: Context): unknown;
}

class MotanClientCodec extends MotanClientFraming<PreparedCall> {
  readonly writer = new ByteWriter();
  /** Set when the provider refused a call as "provider stopping" (it reads no more calls from us). */
  refusedAsStopping = false;

  constructor(
    private readonly serializations: Serializations,
    private readonly heartbeatSerialization: number,
    private readonly maxInflated: number,
  ) {
    super();
  }

  encodeHeartbeat(id: number): Uint8Array {
    const [high, low] = idHalves(id);
    return encodeHeartbeat(high, low, this.heartbeatSerialization);
  }

  decodeResponse(frame: Buffer, call: PreparedCall): unknown {
    try {
      return decodeResponse(frame, call, this.serializations, this.maxInflated);
    } catch (err) {
      if (err instanceof RpcError && err.code === Code.Shutdown) this.refusedAsStopping = true;
      throw err;
    }
  }
}

/** A multiplexed Motan2 connection to one provider. */
export class MotanClient extends ChannelClient<number, PreparedCall> {
  private readonly codec: MotanClientCodec;
  /** Per service definition (a reference), per method: built on the first call. */
  private readonly calls: MethodMemo<PreparedCall>;

  constructor(
    endpoint: Endpoint,
    options: ClientOptions,
    private readonly motan: ResolvedOptions,
  ) {
    const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const codec = new MotanClientCodec(motan.serializations, serializerFor(motan, endpoint, undefined).id, maxFrameSize);
    super(endpoint, codec, options, { heartbeatInterval: 60_000, maxFrameSize });
    this.codec = codec;
    const application = options.application;
    this.calls = new MethodMemo((service, method) => prepareCall(service, method, serializerFor(motan, endpoint, service.interface), application));
  }

  override get available(): boolean {
    return this.channel.available && !this.stopping();
  }

  invoke(inv: Invocation): Promise<unknown> {
    if (this.codec.refusedAsStopping && this.stopping()) {
      return Promise.reject(new RpcError(Code.Shutdown, `${this.endpoint.host}:${this.endpoint.port} is stopping (it refused a call as "provider stopping"): not sent`));
    }
    const id = this.codec.nextId();
    let call: PreparedCall;
    let frame: Buffer;
    try {
      call = this.calls.get(inv.service, inv.method);
      frame = encodeRequest(this.codec.writer, call, Math.floor(id / TWO_32), id % TWO_32, inv.args, remaining(inv), inv.attachments, this.motan.minGzipSize);
    } catch (err) {
      return Promise.reject(asRpcError(err, Code.Serialization));
    }
    return this.send(id, frame, inv, call, inv.method.oneway);
  }

  /**
   * True once the provider refused a call as stopping, until that connection is gone. Motan2 has
   * no GoAway: the refusal is the signal. Calls sent after it would only be refused too, or, sent
   * as the provider closes, be cut off, which a caller cannot tell from a call that ran; so they
   * fail here, never sent (SHUTDOWN: resent elsewhere, the address set aside). A later
   * connection (a provider restarted at the address) is used again.
   */
  private stopping(): boolean {
    if (!this.codec.refusedAsStopping) return false;
    if (this.channel.isReady) return true;
    this.codec.refusedAsStopping = false;
    return false;
  }
}

/**
 * Per interface (`motan2({ services })`), else what the provider's URL declares
 * (`?serialization=breeze`, as Motan registries carry it), else the protocol's default.
 */
function serializerFor(motan: ResolvedOptions, endpoint: Endpoint, iface: string | undefined): Serializer {
  const configured = iface !== undefined ? motan.services[iface] : undefined;
  if (configured !== undefined) return motan.serializations.byName(configured);
  // A provider registered with a serialization we do not speak (hessian2) still reads ours:
  // Java and Go providers pick the deserializer by the request's serialization id.
  const declared = endpoint.params.serialization;
  return motan.serializations.byName(declared !== undefined && isSerializationName(declared) ? declared : motan.serialization);
}
