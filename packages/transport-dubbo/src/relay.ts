import { Code, normalizeVersion, RpcError, type ClientCodec, type ProtocolRelay, type RelayCall, type RelayCodec, type RelayFrameKind, type RelayRequestInfo, type ServiceKey } from '@meshlet/core';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import { toStringAttachments } from './attachments.js';
import { DubboClientFraming } from './client-framing.js';
import { FLAG_EVENT, FLAG_REQUEST, FLAG_TWOWAY, HEADER_LENGTH, HESSIAN2, SERIALIZATION_MASK } from './constants.js';
import { dubboSplitter } from './header.js';
import { readRequestHead } from './request.js';
import { encodeErrorResponse, encodeHeartbeatResponse, encodeReadonlyEvent } from './response.js';
import { proxyStatusForError } from './status.js';

const MAP_BEGIN = 0x48; // 'H'
const MAP_END = 0x5a; // 'Z'

/** Dubbo keys are taken as they are (`0.0.0` is no version, as Dubbo says). */
function routeKey(key: ServiceKey): ServiceKey {
  return { interface: key.interface, version: normalizeVersion(key.version), group: key.group || undefined };
}

/**
 * Dubbo through a relay. The service is in the body (path, version) and in the attachments
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

  kind(frame: Buffer): RelayFrameKind {
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

  inspect(frame: Buffer): RelayRequestInfo {
    const flag = frame[2]!;
    if ((flag & SERIALIZATION_MASK) !== HESSIAN2) {
      throw new RpcError(Code.Unsupported, `the agent relays Dubbo with hessian2 (2) only, not serialization ${flag & SERIALIZATION_MASK}`);
    }
    let r: HessianReader;
    let head: ReturnType<typeof readRequestHead>;
    let attachments: Record<string, string>;
    let attachmentsAt: number;
    try {
      r = new HessianReader(frame, HEADER_LENGTH, frame.length);
      head = readRequestHead(r);
      const n = countDescriptors(head.descriptor);
      for (let i = 0; i < n; i++) r.readValue();
      attachmentsAt = r.position;
      attachments = r.atEnd ? Object.create(null) as Record<string, string> : toStringAttachments(r.readValue());
    } catch (err) {
      throw new RpcError(Code.BadRequest, `undecodable Dubbo request: ${(err as Error).message}`, { cause: err });
    }
    const timeout = Number(attachments.timeout);
    return {
      protocol: this.protocol,
      service: routeKey({
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

  forward(call: RelayCall, high: number, low: number, extra: Readonly<Record<string, string>> | undefined): Buffer {
    let frame = call.frame;
    if (extra !== undefined) {
      frame = this.withAttachments(call, extra);
    } else if (call.sent) {
      frame = Buffer.from(frame);
    }
    return this.restoreId(frame, high, low);
  }

  /** The frame with its attachments map re-encoded to hold `extra` too; the arguments' bytes stay. */
  private withAttachments(call: RelayCall, extra: Readonly<Record<string, string>>): Buffer {
    const at = call.info.attachmentsAt ?? call.frame.length;
    const w = this.writer;
    w.reset();
    w.writeRawByte(MAP_BEGIN);
    const merged = { ...call.info.headers, ...extra };
    for (const k in merged) {
      w.writeString(k);
      w.writeString(merged[k]!);
    }
    w.writeRawByte(MAP_END);
    const map = w.finish();
    const frame = Buffer.allocUnsafe(at + map.length);
    call.frame.copy(frame, 0, 0, at);
    frame.set(map, at);
    frame.writeInt32BE(frame.length - HEADER_LENGTH, 12);
    return frame;
  }

  restoreId(response: Buffer, high: number, low: number): Buffer {
    response.writeUInt32BE(high, 4);
    response.writeUInt32BE(low, 8);
    return response;
  }

  /** The failure in the statuses a proxy answers with (`proxyStatusForError`: MOSN's). */
  errorReply(_request: Buffer, high: number, low: number, error: RpcError): Uint8Array {
    return encodeErrorResponse(this.writer, high | 0, low | 0, proxyStatusForError(error.code), `meshlet agent: ${error.message}`);
  }

  clientCodec(): ClientCodec<number, null> {
    return new DubboRelayClientCodec();
  }
}

/** Dubbo for relays (`Protocol.relay`): Meshlet's agent relays Dubbo calls with these. */
export const dubboRelay: ProtocolRelay = {
  routeKey,
  codec: () => new DubboRelay(),
};

/** Upstream side: the client's framing; a response's frame is handed back as a copy, to relay as it is. */
class DubboRelayClientCodec extends DubboClientFraming<null> {
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
