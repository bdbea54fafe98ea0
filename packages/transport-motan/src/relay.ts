import { Code, normalizeVersion, RpcError, type ClientCodec, type ProtocolRelay, type RelayCall, type RelayCodec, type RelayFrameKind, type RelayRequestInfo, type ServiceKey } from '@meshlet/core';
import { MotanClientFraming } from './client.js';
import { DEFAULT_GROUP, DEFAULT_VERSION, HEADER_LENGTH, Meta, META_START, MsgType, Serialization, Status, STOP_NOTICE } from './constants.js';
import { errorFromException, proxyExceptionFor, stoppingException } from './exception.js';
import { motanSplitter, requestIdMeta } from './header.js';
import { readMeta } from './meta.js';
import { encodeExceptionResponse, encodeHeartbeat, encodeHeartbeatReply } from './response.js';
import { ByteWriter } from './wire/writer.js';

const NL = 0x0a;
const TWO_32 = 2 ** 32;
const STOPPING = stoppingException();

/** Motan sends `M_v=1.0` when a service has no version and files group-less services under `default_rpc`. */
function routeKey(key: ServiceKey): ServiceKey {
  const group = key.group || undefined;
  return { interface: key.interface, version: normalizeVersion(key.version) ?? DEFAULT_VERSION, group: group === DEFAULT_GROUP ? undefined : group };
}

/**
 * Motan2 through a relay, routed on `M_p` / `M_g` / `M_v` as the motan-go agent routes. Requests
 * the agent hands to a local app carry the proxy bit and the caller's id as `M_rid`, as the
 * motan-go agent sends them (motan.md §1.6, §3.3); the app echoes the wire id, which the agent
 * maps back. Bodies (and gzip) pass through untouched.
 */
export class MotanRelay implements RelayCodec {
  readonly protocol = 'motan2';
  readonly firstBytes = [0xf1];
  readonly splitter = motanSplitter;
  readonly heartbeatInterval = 60_000;
  /** Motan2's stop signal is refusing: callers that found the agent in a registry get a provider's notice period. */
  readonly stopNotice = STOP_NOTICE;
  private readonly writer = new ByteWriter();

  kind(frame: Buffer): RelayFrameKind {
    const msgType = frame[2]!;
    if ((msgType & MsgType.RESPONSE) !== 0) return 'ignore';
    return (msgType & MsgType.HEARTBEAT) !== 0 ? 'heartbeat' : 'request';
  }

  heartbeatReply(frame: Buffer): Uint8Array {
    return encodeHeartbeatReply(frame);
  }

  /** Motan2 has no frame that says "stop sending": see `stoppingReply`. */
  goAway(): undefined {
    return undefined;
  }

  /**
   * A stopping Meshlet provider's refusal (Java's 10002, "provider stopping"): Meshlet's client
   * reads it as SHUTDOWN (the agent's address sits out, the call is resent elsewhere or fails
   * fast), Java's and motan-go's fail it over and count it toward marking the address unavailable.
   */
  stoppingReply(request: Buffer, high: number, low: number): Uint8Array {
    return encodeExceptionResponse(this.writer, high, low, request[4]! >> 3, STOPPING);
  }

  oneway(frame: Buffer): boolean {
    return (frame[2]! & MsgType.ONEWAY) !== 0;
  }

  idOf(frame: Buffer): [number, number] {
    return [frame.readUInt32BE(5), frame.readUInt32BE(9)];
  }

  inspect(frame: Buffer): RelayRequestInfo {
    let meta: Record<string, string>;
    try {
      meta = readMeta(frame, META_START, META_START + frame.readUInt32BE(HEADER_LENGTH));
    } catch (err) {
      throw new RpcError(Code.BadRequest, `undecodable Motan2 meta: ${(err as Error).message}`, { cause: err });
    }
    const path = meta[Meta.PATH];
    if (!path) throw new RpcError(Code.BadRequest, 'motan: request without M_p (service): the agent routes on it');
    const timeout = Number(meta[Meta.TIMEOUT]);
    return {
      protocol: this.protocol,
      service: routeKey({ interface: path, version: meta[Meta.VERSION], group: meta[Meta.GROUP] }),
      method: meta[Meta.METHOD] || 'unknown',
      oneway: (frame[2]! & MsgType.ONEWAY) !== 0,
      timeoutMs: timeout > 0 ? timeout : undefined,
      headers: meta,
    };
  }

  forward(call: RelayCall, high: number, low: number, extra: Readonly<Record<string, string>> | undefined): Buffer {
    const ingress = call.direction === 'ingress';
    let pairs: [string, string][] | undefined;
    if (extra !== undefined) pairs = Object.entries(extra);
    // To a local app: the caller's id rides as M_rid (unless an earlier hop put it there).
    if (ingress && call.info.headers[Meta.REQUEST_ID] === undefined) {
      const [h, l] = this.idOf(call.frame);
      (pairs ??= []).push([Meta.REQUEST_ID, requestIdMeta((BigInt(h) << 32n) | BigInt(l))]);
    }
    let frame: Buffer;
    if (pairs !== undefined) frame = withMeta(call.frame, pairs);
    else frame = call.sent ? Buffer.from(call.frame) : call.frame;
    if (ingress) frame[2] |= MsgType.PROXY;
    return this.restoreId(frame, high, low);
  }

  restoreId(response: Buffer, high: number, low: number): Buffer {
    response.writeUInt32BE(high, 5);
    response.writeUInt32BE(low, 9);
    return response;
  }

  /** An `M_e` as a proxy answers its own failures (`proxyExceptionFor`). */
  errorReply(request: Buffer, high: number, low: number, error: RpcError): Uint8Array {
    return encodeExceptionResponse(this.writer, high, low, request[4]! >> 3, proxyExceptionFor(error.code, `meshlet agent: ${error.message}`));
  }

  clientCodec(): ClientCodec<number, null> {
    return new MotanRelayClientCodec();
  }
}

/** Motan2 for relays (`Protocol.relay`): Meshlet's agent relays Motan2 calls with these. */
export const motanRelay: ProtocolRelay = {
  routeKey,
  codec: () => new MotanRelay(),
};

/** The frame with `pairs` added at the end of its meta; header and body copied as they are. */
function withMeta(frame: Buffer, pairs: readonly (readonly [string, string])[]): Buffer {
  const metaLength = frame.readUInt32BE(HEADER_LENGTH);
  const metaEnd = META_START + metaLength;
  const parts: string[] = [];
  for (const [k, v] of pairs) {
    if (k === '' || v === '' || k.includes('\n') || v.includes('\n')) continue;
    parts.push(k, '\n', v);
  }
  // Pairs are joined by newlines, with none after the last (as Java and Go write them).
  const needsSeparator = metaLength > 0 && frame[metaEnd - 1] !== NL;
  const added = Buffer.from((needsSeparator && parts.length > 0 ? '\n' : '') + joinPairs(parts), 'utf8');
  const out = Buffer.allocUnsafe(frame.length + added.length);
  frame.copy(out, 0, 0, metaEnd);
  added.copy(out, metaEnd);
  frame.copy(out, metaEnd + added.length, metaEnd);
  out.writeUInt32BE(metaLength + added.length, HEADER_LENGTH);
  return out;
}

function joinPairs(parts: string[]): string {
  let s = '';
  for (let i = 0; i < parts.length; i += 3) s += (i > 0 ? '\n' : '') + parts[i] + parts[i + 1] + parts[i + 2];
  return s;
}

/** Upstream side: the client's framing; a response's frame is handed back as a copy, to relay as it is. */
class MotanRelayClientCodec extends MotanClientFraming<null> {
  encodeHeartbeat(id: number): Uint8Array {
    return encodeHeartbeat(Math.floor(id / TWO_32), id % TWO_32, Serialization.SIMPLE);
  }

  /**
   * The reply frame, copied; except a stopping provider's refusal, which is this hop's SHUTDOWN:
   * the agent resends the call (never executed) to another provider. Relayed, it would make the
   * app set its own agent aside.
   */
  decodeResponse(frame: Buffer): unknown {
    if ((frame[3]! & 0x07) !== Status.NORMAL && isStoppingRefusal(frame)) {
      throw new RpcError(Code.Shutdown, `upstream provider stopping: the request was not executed`);
    }
    return Buffer.from(frame);
  }
}

/** An exception reply whose `M_e` is a stopping provider's refusal; a meta that does not parse is relayed as it is. */
function isStoppingRefusal(frame: Buffer): boolean {
  try {
    const meta = readMeta(frame, META_START, META_START + frame.readUInt32BE(HEADER_LENGTH));
    return errorFromException(meta[Meta.EXCEPTION]).code === Code.Shutdown;
  } catch {
    return false;
  }
}
