import { crc32 } from 'node:zlib';
import {
  Code, normalizeVersion, RpcError, type ClientCodec, type ProtocolRelay, type RelayCall, type RelayCodec, type RelayFrameKind, type RelayOptions, type RelayRequestInfo, type ServiceKey,
} from '@meshlet/core';
import { hessian2, hessian2Draft, type HessianDialect, type HessianWriter } from '@meshlet/hessian';
import { BoltClientFraming } from './client.js';
import {
  CMD_GOAWAY, CMD_HEARTBEAT, CMD_REQUEST, CODEC_HESSIAN, DEFAULT_SOFA_VERSION, HEAD_METHOD_NAME, HEAD_SERVICE, HEAD_TARGET_SERVICE,
  TYPE_REQUEST, TYPE_REQUEST_ONEWAY, TYPE_RESPONSE,
} from './constants.js';
import { boltSplitter, buildFrame, frameCmd, frameId, frameType, parseFrame, shapeOf, V1 } from './frame.js';
import { decodeHeaderMap, encodeHeaderMap } from './header-map.js';
import { encodeHeartbeatAck, encodeStatusResponse } from './response.js';
import { parseUniqueName } from './service-name.js';
import { proxyStatusForError } from './status.js';

const EMPTY = Buffer.alloc(0);
const PROTOCOL_V2 = 2;
const SWITCH_CRC = 0x01;

/** A Bolt `service` header always carries a version (`1.0` when none): keys without one are filed under it. */
function routeKey(key: ServiceKey): ServiceKey {
  return { interface: key.interface, version: normalizeVersion(key.version) ?? DEFAULT_SOFA_VERSION, group: key.group || undefined };
}

/**
 * SOFA Bolt through a relay, routed on the header `service` (`interface:version[:uniqueId]`) as
 * MOSN routes it; the method comes from `sofa_head_method_name` when the caller sent it (for spans
 * and metrics). Class and content are relayed as they are, in whichever Hessian flavour or protobuf.
 */
export class BoltRelay implements RelayCodec {
  readonly protocol = 'bolt';
  readonly firstBytes = [0x01, 0x02];
  readonly splitter = boltSplitter;
  readonly heartbeatInterval = 15_000;
  private readonly writers = new Map<HessianDialect, HessianWriter>();
  /** The last header's bytes and what they said: callers repeat one header per method. */
  private lastHeader: Buffer | undefined;
  private lastHeaders: Record<string, string> | undefined;

  /** `goAway`: send MOSN's GoAway on stop (off by default: Java Bolt clients do not know it). */
  constructor(private readonly options: { readonly goAway?: boolean | undefined } = {}) {}

  kind(frame: Buffer): RelayFrameKind {
    const type = frameType(frame);
    if (type === TYPE_RESPONSE) return 'ignore';
    const cmd = frameCmd(frame);
    if (cmd === CMD_HEARTBEAT) return type === TYPE_REQUEST ? 'heartbeat' : 'ignore';
    return cmd === CMD_REQUEST ? 'request' : 'ignore';
  }

  heartbeatReply(frame: Buffer): Uint8Array {
    return encodeHeartbeatAck(shapeOf(frame), frameId(frame), frame[frame[0] === PROTOCOL_V2 ? 10 : 9]!);
  }

  goAway(): Uint8Array | undefined {
    if (this.options.goAway !== true) return undefined;
    return buildFrame(V1, TYPE_REQUEST, CMD_GOAWAY, 0, CODEC_HESSIAN, 0, EMPTY, EMPTY, EMPTY);
  }

  oneway(frame: Buffer): boolean {
    return frameType(frame) === TYPE_REQUEST_ONEWAY;
  }

  idOf(frame: Buffer): [number, number] {
    return [0, frameId(frame) >>> 0];
  }

  inspect(frame: Buffer): RelayRequestInfo {
    const f = parseFrame(frame);
    const headers = this.headers(frame, f.headerStart, f.headerStart + f.headerLength);
    const name = headers[HEAD_SERVICE] || headers[HEAD_TARGET_SERVICE];
    const key = name ? parseUniqueName(name) : undefined;
    if (key === undefined) {
      throw new RpcError(Code.BadRequest, 'Bolt request without a `service` header: the agent routes on it (SOFARPC and Meshlet send it)');
    }
    return {
      protocol: this.protocol,
      service: routeKey(key),
      method: headers[HEAD_METHOD_NAME] || 'unknown',
      oneway: f.type === TYPE_REQUEST_ONEWAY,
      timeoutMs: f.timeout > 0 ? f.timeout : undefined,
      headers,
    };
  }

  private headers(frame: Buffer, start: number, end: number): Record<string, string> {
    const last = this.lastHeader;
    if (last !== undefined && last.length === end - start && frame.compare(last, 0, last.length, start, end) === 0) return this.lastHeaders!;
    const headers = decodeHeaderMap(frame, start, end);
    this.lastHeader = Buffer.from(frame.subarray(start, end));
    this.lastHeaders = headers;
    return headers;
  }

  forward(call: RelayCall, _high: number, low: number, extra: Readonly<Record<string, string>> | undefined): Buffer {
    if (extra !== undefined) return this.withHeaders(call.frame, low, extra);
    const frame = call.sent ? Buffer.from(call.frame) : call.frame;
    return setId(frame, low);
  }

  /** The same frame with `extra` appended to its header map, rebuilt (CRC included when it has one). */
  private withHeaders(frame: Buffer, id: number, extra: Readonly<Record<string, string>>): Buffer {
    const f = parseFrame(frame);
    const header = Buffer.concat([frame.subarray(f.headerStart, f.headerStart + f.headerLength), encodeHeaderMap(Object.entries(extra))]);
    return buildFrame(shapeOf(frame), f.type, f.cmd, id, f.codec, f.timeout, frame.subarray(f.classStart, f.classStart + f.classLength),
      header, frame.subarray(f.contentStart, f.contentStart + f.contentLength));
  }

  restoreId(response: Buffer, _high: number, low: number): Buffer {
    return setId(response, low);
  }

  /**
   * The failure in the statuses a proxy answers with (`proxyStatusForError`: MOSN's); the content
   * is a Java `RpcServerException` in the caller's Hessian flavour.
   */
  errorReply(request: Buffer, _high: number, low: number, error: RpcError): Uint8Array {
    const f = parseFrame(request);
    const flavour = request[f.contentStart] === 0x43 ? hessian2 : hessian2Draft;
    let w = this.writers.get(flavour);
    if (w === undefined) this.writers.set(flavour, (w = flavour.createWriter()));
    return encodeStatusResponse(w, shapeOf(request), low | 0, proxyStatusForError(error.code), `meshlet agent: ${error.message}`);
  }

  clientCodec(): ClientCodec<number, null> {
    return new BoltRelayClientCodec();
  }
}

/** SOFA Bolt for relays (`Protocol.relay`): Meshlet's agent relays Bolt calls with these. */
export const boltRelay: ProtocolRelay = {
  routeKey,
  codec: (options?: RelayOptions) => new BoltRelay({ goAway: options?.optionalGoAway }),
};

/** Writes the int32 id in place; a v2 frame with a CRC trailer gets its CRC recomputed. */
function setId(frame: Buffer, id: number): Buffer {
  const v2 = frame[0] === PROTOCOL_V2;
  frame.writeInt32BE(id | 0, v2 ? 6 : 5);
  if (v2 && (frame[11]! & SWITCH_CRC) !== 0 && frame[1] === 2) {
    const end = frame.length - 4;
    frame.writeUInt32BE(crc32(frame.subarray(0, end)), end);
  }
  return frame;
}

/** Upstream side: the client's framing; a response's frame is handed back as a copy, to relay as it is. */
class BoltRelayClientCodec extends BoltClientFraming<null> {
  encodeHeartbeat(id: number): Uint8Array {
    return buildFrame(V1, TYPE_REQUEST, CMD_HEARTBEAT, id, CODEC_HESSIAN, -1, EMPTY, EMPTY, EMPTY);
  }

  decodeResponse(frame: Buffer): unknown {
    return Buffer.from(frame);
  }
}
