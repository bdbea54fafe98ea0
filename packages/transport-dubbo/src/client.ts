import {
  ChannelClient, InboundKind, encodeFailure, remaining,
  type ClientCodec, type ClientOptions, type Endpoint, type Invocation, type MethodDefinition,
} from '@meshlet/core';
import { HessianWriter } from '@meshlet/hessian';
import { FLAG_EVENT, FLAG_REQUEST, FLAG_TWOWAY, HESSIAN2, READONLY_EVENT } from './constants.js';
import { dubboSplitter, frameOf } from './header.js';
import { RequestEncoder } from './request.js';
import { decodeResponse, encodeHeartbeatResponse } from './response.js';

const TWO_32 = 2 ** 32;
const HEARTBEAT_BODY = Buffer.from([0x4e]);

/**
 * Client-side Dubbo framing. Our own request ids are numbers kept below 2^53, so they are exact
 * and cheap; a response id outside that range cannot be ours and is ignored.
 */
class DubboClientCodec implements ClientCodec<number, MethodDefinition> {
  readonly splitter = dubboSplitter;
  inboundId = 0;
  private id = Math.floor(Math.random() * 2 ** 31);
  readonly writer = new HessianWriter();

  nextId(): number {
    this.id = this.id >= Number.MAX_SAFE_INTEGER ? 0 : this.id + 1;
    return this.id;
  }

  classify(frame: Buffer): InboundKind {
    const flag = frame[2]!;
    if ((flag & FLAG_REQUEST) !== 0) {
      if ((flag & FLAG_EVENT) === 0) return InboundKind.Ignore;
      if ((flag & FLAG_TWOWAY) !== 0) return InboundKind.HeartbeatRequest;
      return isReadonlyEvent(frame) ? InboundKind.GoAway : InboundKind.Ignore;
    }
    if ((flag & FLAG_EVENT) !== 0) return InboundKind.HeartbeatResponse;
    const high = frame.readInt32BE(4);
    if (high < 0 || high >= 0x200000) return InboundKind.Ignore;
    this.inboundId = high * TWO_32 + frame.readUInt32BE(8);
    return InboundKind.Response;
  }

  encodeHeartbeat(id: number): Uint8Array {
    return frameOf(FLAG_REQUEST | FLAG_TWOWAY | FLAG_EVENT | HESSIAN2, 0, Math.floor(id / TWO_32), id % TWO_32, HEARTBEAT_BODY);
  }

  encodeHeartbeatReply(request: Buffer): Uint8Array {
    return encodeHeartbeatResponse(request);
  }

  decodeResponse(frame: Buffer, method: MethodDefinition): unknown {
    return decodeResponse(frame, method);
  }
}

/** `dabb a2 00 <id> 00000002 0152`: a oneway event whose data is the string "R". */
function isReadonlyEvent(frame: Buffer): boolean {
  return frame.length === 18 && frame[16] === 0x01 && frame[17] === READONLY_EVENT.charCodeAt(0);
}

/** A multiplexed Dubbo connection to one provider. */
export class DubboClient extends ChannelClient<number, MethodDefinition> {
  private readonly codec: DubboClientCodec;
  private readonly requests: RequestEncoder;

  constructor(endpoint: Endpoint, options: ClientOptions = {}) {
    const codec = new DubboClientCodec();
    super(endpoint, codec, options, { heartbeatInterval: 60_000 });
    this.codec = codec;
    this.requests = new RequestEncoder(codec.writer, options.application);
  }

  invoke(inv: Invocation): Promise<unknown> {
    const id = this.codec.nextId();
    let frame: Buffer;
    try {
      frame = this.requests.encode(Math.floor(id / TWO_32), id % TWO_32, inv, remaining(inv));
    } catch (err) {
      return Promise.reject(encodeFailure(err, inv));
    }
    return this.send(id, frame, inv, inv.method, inv.method.oneway === true);
  }
}
