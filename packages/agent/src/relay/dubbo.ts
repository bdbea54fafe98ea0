import { Code, InboundKind, RpcError, type ClientCodec } from '@meshlet/core';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import {
  dubboSplitter, encodeErrorResponse, encodeHeartbeatRequest, encodeHeartbeatResponse, encodeReadonlyEvent, readRequestHead, Status,
} from '@meshlet/transport-dubbo';
import { routeKey } from '../keys.js';
import { halves, type FrameKind, type RelayCodec, type RelayRequest, type RequestInfo } from './types.js';

const HEADER = 16;
const FLAG_REQUEST = 0x80;
const FLAG_TWOWAY = 0x40;
const FLAG_EVENT = 0x20;
const HESSIAN2 = 2;
const MAP_BEGIN = 0x48; // 'H'
const MAP_END = 0x5a; // 'Z'
const TWO_32 = 2 ** 32;

/**
 * Dubbo through the agent. The service is in the body (path, version) and in the attachments
 * (`interface`, `version`, `group`), which come after the arguments, so the arguments are read
 * untyped to reach them (as MOSN and Envoy do); they are relayed as the bytes they were.
 */
export class DubboRelay implements RelayCodec {
  readonly protocol = 'dubbo';
  readonly firstBytes = [0xda];
  readonly splitter = dubboSplitter;
  readonly heartbeatInterval = 60_000;
  private readonly writer = new HessianWriter();
  private eventId = 0;

  kind(frame: Buffer): FrameKind {
    const flag = frame[2]!;
    if ((flag & FLAG_REQUEST) === 0) return 'ignore';
    if ((flag & FLAG_EVENT) !== 0) return (flag & FLAG_TWOWAY) !== 0 ? 'heartbeat' : 'ignore';
    return 'request';
  }

  heartbeatReply(frame: Buffer): Uint8Array {
    return encodeHeartbeatResponse(frame);
  }

  /** Dubbo's read-only event, as a stopping provider sends it: Java and Meshlet consumers know it. */
  goAway(): Uint8Array {
    return encodeReadonlyEvent(this.writer, ++this.eventId);
  }

  oneway(frame: Buffer): boolean {
    return (frame[2]! & FLAG_TWOWAY) === 0;
  }

  idOf(frame: Buffer): [number, number] {
    return [frame.readUInt32BE(4), frame.readUInt32BE(8)];
  }

  inspect(frame: Buffer): RequestInfo {
    const flag = frame[2]!;
    if ((flag & 0x1f) !== HESSIAN2) {
      throw new RpcError(Code.Unsupported, `the agent relays Dubbo with hessian2 (2) only, not serialization ${flag & 0x1f}`);
    }
    let r: HessianReader;
    let head: ReturnType<typeof readRequestHead>;
    let attachments: Record<string, string>;
    let attachmentsAt: number;
    try {
      r = new HessianReader(frame, HEADER, frame.length);
      head = readRequestHead(r);
      const n = countDescriptors(head.descriptor);
      for (let i = 0; i < n; i++) r.readValue();
      attachmentsAt = r.position;
      attachments = r.atEnd ? Object.create(null) as Record<string, string> : stringRecord(r.readValue());
    } catch (err) {
      throw new RpcError(Code.BadRequest, `undecodable Dubbo request: ${(err as Error).message}`, { cause: err });
    }
    const timeout = Number(attachments.timeout);
    return {
      protocol: this.protocol,
      service: routeKey('dubbo', {
        interface: attachments.interface || head.path,
        version: attachments.version ?? head.version,
        group: attachments.group,
      }),
      method: head.method,
      oneway: (flag & FLAG_TWOWAY) === 0,
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
      headers: attachments,
      attachmentsAt,
    };
  }

  forward(req: RelayRequest, high: number, low: number, extra: Readonly<Record<string, string>> | undefined): Buffer {
    let frame = req.frame;
    if (extra !== undefined) {
      frame = this.withAttachments(req, extra);
    } else if (req.sent) {
      frame = Buffer.from(frame);
    }
    frame.writeUInt32BE(high, 4);
    frame.writeUInt32BE(low, 8);
    return frame;
  }

  /** The frame with its attachments map re-encoded to hold `extra` too; the arguments' bytes stay. */
  private withAttachments(req: RelayRequest, extra: Readonly<Record<string, string>>): Buffer {
    const at = req.info.attachmentsAt ?? req.frame.length;
    const w = this.writer;
    w.reset();
    w.writeRawByte(MAP_BEGIN);
    const merged = { ...req.info.headers, ...extra };
    for (const k in merged) {
      w.writeString(k);
      w.writeString(merged[k]!);
    }
    w.writeRawByte(MAP_END);
    const map = w.finish();
    const frame = Buffer.allocUnsafe(at + map.length);
    req.frame.copy(frame, 0, 0, at);
    frame.set(map, at);
    frame.writeInt32BE(frame.length - HEADER, 12);
    return frame;
  }

  restoreId(response: Buffer, high: number, low: number): Buffer {
    response.writeUInt32BE(high, 4);
    response.writeUInt32BE(low, 8);
    return response;
  }

  /**
   * MOSN's statuses for its own failures: no provider is 60 (service not found), an upstream
   * timeout 31, a connection lost 35; a refusal for load 100.
   */
  errorReply(_request: Buffer, high: number, low: number, error: RpcError): Uint8Array {
    return encodeErrorResponse(this.writer, high | 0, low | 0, statusFor(error), `meshlet agent: ${error.message}`);
  }

  clientCodec(): ClientCodec<number, null> {
    return new DubboRelayClientCodec();
  }
}

function statusFor(error: RpcError): number {
  switch (error.code) {
    case Code.Unavailable:
    case Code.ServiceNotFound:
      return Status.SERVICE_NOT_FOUND;
    case Code.Timeout:
      return Status.SERVER_TIMEOUT;
    case Code.ConnectionClosed:
      return Status.CHANNEL_INACTIVE;
    case Code.ServerBusy:
      return Status.SERVER_THREADPOOL_EXHAUSTED_ERROR;
    case Code.BadRequest:
    case Code.Unsupported:
    case Code.Protocol:
      return Status.BAD_REQUEST;
    default:
      return Status.SERVER_ERROR;
  }
}

/** Upstream side: our ids are numbers below 2^53; a response's frame is handed back as a copy. */
class DubboRelayClientCodec implements ClientCodec<number, null> {
  readonly splitter = dubboSplitter;
  inboundId = 0;
  private id = Math.floor(Math.random() * 2 ** 31);

  nextId(): number {
    this.id = this.id >= Number.MAX_SAFE_INTEGER ? 0 : this.id + 1;
    return this.id;
  }

  classify(frame: Buffer): InboundKind {
    const flag = frame[2]!;
    if ((flag & FLAG_REQUEST) !== 0) {
      if ((flag & FLAG_EVENT) === 0) return InboundKind.Ignore;
      if ((flag & FLAG_TWOWAY) !== 0) return InboundKind.HeartbeatRequest;
      // A provider's read-only event before it stops: no new calls on this connection.
      return frame.length === 18 && frame[17] === 0x52 ? InboundKind.GoAway : InboundKind.Ignore;
    }
    if ((flag & FLAG_EVENT) !== 0) return InboundKind.HeartbeatResponse;
    const high = frame.readInt32BE(4);
    if (high < 0 || high >= 0x200000) return InboundKind.Ignore;
    this.inboundId = high * TWO_32 + frame.readUInt32BE(8);
    return InboundKind.Response;
  }

  encodeHeartbeat(id: number): Uint8Array {
    const [high, low] = halves(id);
    return encodeHeartbeatRequest(high, low);
  }

  encodeHeartbeatReply(request: Buffer): Uint8Array {
    return encodeHeartbeatResponse(request);
  }

  decodeResponse(frame: Buffer): unknown {
    return Buffer.from(frame);
  }
}

/** Parameters in a JVM descriptor string (`ILjava/lang/String;[J` is 3). */
function countDescriptors(descriptor: string): number {
  let n = 0;
  for (let i = 0; i < descriptor.length; i++) {
    while (descriptor[i] === '[') i++;
    if (descriptor[i] === 'L') {
      i = descriptor.indexOf(';', i);
      if (i < 0) throw new RpcError(Code.BadRequest, `malformed parameter descriptor ${JSON.stringify(descriptor.slice(0, 100))}`);
    }
    n++;
  }
  return n;
}

/** Attachments as strings in a null-prototype record (Java reads only strings; `__proto__` is a key). */
function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (value instanceof Map) {
    for (const [k, v] of value) if (v !== null && v !== undefined) out[String(k)] = String(v);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}
