import {
  InboundKind, remaining,
  type ClientCodec, type ClientOptions, type Endpoint, type Invocation,
} from '@meshlet/core';
import { ChannelClient, MethodMemo, encodeFailure } from '@meshlet/core/engine';
import {
  CLIENT_HEARTBEAT_INTERVAL, CMD_GOAWAY, CMD_HEARTBEAT, CMD_RESPONSE, CODEC_HESSIAN, TYPE_REQUEST, TYPE_RESPONSE,
} from './constants.js';
import { Flavours, type HessianFlavour, dialectOf } from './flavours.js';
import { boltSplitter, buildFrame, frameCmd, frameId, frameType, shapeOf, V1, type FrameShape } from './frame.js';
import { compileClientMethod, encodeRequest, type ClientMethod } from './request.js';
import { decodeResponse, encodeHeartbeatAck } from './response.js';

const EMPTY = Buffer.alloc(0);
const MAX_ID = 0x7fffffff;

export interface BoltClientOptions extends ClientOptions {
  /** Hessian flavour of requests (default `hessian2-draft`, SOFARPC's default). */
  readonly hessian?: HessianFlavour | undefined;
  /** Framing of requests: v1 (what SOFARPC's client sends, the default), v2, or v2 with a CRC32 trailer. */
  readonly frame?: FrameShape | undefined;
  /** `SofaRequest.targetAppName` and header `sofa_head_target_app`: the provider's app, when known. */
  readonly targetApp?: string | undefined;
}

/**
 * Client-side Bolt framing, shared by the client and the agent's relay: int32 ids per connection,
 * frame classification (heartbeats, GoAway), heartbeat replies.
 */
export abstract class BoltClientFraming<Context> implements ClientCodec<number, Context> {
  readonly splitter = boltSplitter;
  inboundId = 0;
  private id = 0;

  nextId(): number {
    this.id = this.id >= MAX_ID ? 1 : this.id + 1;
    return this.id;
  }

  classify(frame: Buffer): InboundKind {
    const type = frameType(frame);
    const cmd = frameCmd(frame);
    if (type === TYPE_RESPONSE) {
      this.inboundId = frameId(frame);
      return cmd === CMD_RESPONSE ? InboundKind.Response : cmd === CMD_HEARTBEAT ? InboundKind.HeartbeatResponse : InboundKind.Ignore;
    }
    if (cmd === CMD_HEARTBEAT) return type === TYPE_REQUEST ? InboundKind.HeartbeatRequest : InboundKind.Ignore;
    // MOSN's GoAway (cmdcode 100): send no new calls on this connection.
    if (cmd === CMD_GOAWAY) return InboundKind.GoAway;
    return InboundKind.Ignore; // a request to a client (cmdcode 1) has no meaning here
  }

  /** MOSN keeps its connections alive with heartbeats in both directions: answer them. */
  encodeHeartbeatReply(request: Buffer): Uint8Array {
    return encodeHeartbeatAck(shapeOf(request), frameId(request), request[request[0] === 2 ? 10 : 9]!);
  }

  abstract encodeHeartbeat(id: number): Uint8Array;
  abstract decodeResponse(frame: Buffer, context: Context): unknown;
}

/** The Bolt client's codec: heartbeats in its frame shape, response decoding. */
class BoltClientCodec extends BoltClientFraming<ClientMethod> {
  constructor(readonly flavours: Flavours, readonly shape: FrameShape) {
    super();
  }

  /** As Java Bolt sends it: a request with cmdcode 0, timeout -1, no class, header or content. */
  encodeHeartbeat(id: number): Uint8Array {
    return buildFrame(this.shape, TYPE_REQUEST, CMD_HEARTBEAT, id, CODEC_HESSIAN, -1, EMPTY, EMPTY, EMPTY);
  }

  decodeResponse(frame: Buffer, method: ClientMethod): unknown {
    return decodeResponse(frame, method, this.flavours);
  }
}

/** A multiplexed Bolt connection to one provider (SOFARPC, sofa-rpc-node, MOSN, Meshlet). */
export class BoltClient extends ChannelClient<number, ClientMethod> {
  private readonly codec: BoltClientCodec;
  /** Per referred service and method: the precomputed parts of every request (see `ClientMethod`). */
  private readonly methods: MethodMemo<ClientMethod>;

  constructor(endpoint: Endpoint, options: BoltClientOptions = {}) {
    const codec = new BoltClientCodec(new Flavours(dialectOf(options.hessian)), options.frame ?? V1);
    super(endpoint, codec, options, { heartbeatInterval: CLIENT_HEARTBEAT_INTERVAL });
    this.codec = codec;
    const { application, targetApp } = options;
    this.methods = new MethodMemo((service, method) => compileClientMethod(service, method, application, targetApp));
  }

  invoke(inv: Invocation): Promise<unknown> {
    let frame: Buffer;
    let cm: ClientMethod;
    const id = this.codec.nextId();
    try {
      cm = this.methods.get(inv.service, inv.method);
      // Java reads 0 or less as "no timeout"; a call that still runs has at least 1 ms left.
      frame = encodeRequest(this.codec.flavours.writer(), this.codec.shape, id, cm, inv, Math.max(1, remaining(inv)));
    } catch (err) {
      return Promise.reject(encodeFailure(err, inv));
    }
    return this.send(id, frame, inv, cm, cm.oneway);
  }
}
