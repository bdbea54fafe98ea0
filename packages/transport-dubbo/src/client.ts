import {
  remaining,
  type ClientOptions, type Endpoint, type Invocation, type MethodDefinition,
} from '@meshlet/core';
import { ChannelClient, encodeFailure } from '@meshlet/core/engine';
import { HessianWriter } from '@meshlet/hessian';
import { DubboClientFraming } from './client-framing.js';
import { RequestEncoder } from './request.js';
import { decodeResponse } from './response.js';

const TWO_32 = 2 ** 32;

/** The Dubbo client's codec: the shared client framing, its request writer and typed response decoding. */
class DubboClientCodec extends DubboClientFraming<MethodDefinition> {
  readonly writer = new HessianWriter();

  decodeResponse(frame: Buffer, method: MethodDefinition): unknown {
    return decodeResponse(frame, method);
  }
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
