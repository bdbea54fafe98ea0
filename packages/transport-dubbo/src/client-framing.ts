import { InboundKind, type ClientCodec } from '@meshlet/core';
import { SafeIdCodec } from '@meshlet/core/engine';
import { FLAG_EVENT, FLAG_REQUEST, FLAG_TWOWAY, READONLY_EVENT } from './constants.js';
import { dubboSplitter } from './header.js';
import { encodeHeartbeatRequest, encodeHeartbeatResponse } from './response.js';

const TWO_32 = 2 ** 32;

/**
 * Client-side Dubbo framing, shared by the client and the relay's upstream connections:
 * classification (the read-only event is GoAway) and heartbeats, over core's 53-bit ids.
 */
export abstract class DubboClientFraming<Context> extends SafeIdCodec implements ClientCodec<number, Context> {
  readonly splitter = dubboSplitter;

  classify(frame: Buffer): InboundKind {
    const flag = frame[2]!;
    if ((flag & FLAG_REQUEST) !== 0) {
      if ((flag & FLAG_EVENT) === 0) return InboundKind.Ignore;
      if ((flag & FLAG_TWOWAY) !== 0) return InboundKind.HeartbeatRequest;
      // A provider's read-only event before it stops: no new calls on this connection.
      return isReadonlyEvent(frame) ? InboundKind.GoAway : InboundKind.Ignore;
    }
    if ((flag & FLAG_EVENT) !== 0) return InboundKind.HeartbeatResponse;
    return this.acceptResponseId(frame.readInt32BE(4), frame.readUInt32BE(8)) ? InboundKind.Response : InboundKind.Ignore;
  }

  encodeHeartbeat(id: number): Uint8Array {
    return encodeHeartbeatRequest(Math.floor(id / TWO_32), id % TWO_32);
  }

  encodeHeartbeatReply(request: Buffer): Uint8Array {
    return encodeHeartbeatResponse(request);
  }

  abstract decodeResponse(frame: Buffer, context: Context): unknown;
}

/** `dabb a2 00 <id> 00000002 0152`: a oneway event whose data is the string "R". */
function isReadonlyEvent(frame: Buffer): boolean {
  return frame.length === 18 && frame[16] === 0x01 && frame[17] === READONLY_EVENT.charCodeAt(0);
}
