import { Code, RpcError, type ClientCodec } from '@meshlet/core';
import {
  ByteWriter, encodeExceptionResponse, encodeHeartbeat, encodeHeartbeatReply, ErrCode, errorFromException, ErrType, Meta, MotanClientFraming,
  motanSplitter, MsgType, readMeta, requestIdMeta, Status, stoppingException,
} from '@meshlet/transport-motan';
import { routeKey } from '../keys.js';
import { halves, type FrameKind, type RelayCodec, type RelayRequest, type RequestInfo } from './types.js';

const HEADER = 13;
const META_START = 17;
const NL = 0x0a;
const SIMPLE = 6;
const STOPPING = stoppingException();

/**
 * Motan2 through the agent, routed on `M_p` / `M_g` / `M_v` as the motan-go agent routes. Requests
 * the agent hands to a local app carry the proxy bit and the caller's id as `M_rid`, as the
 * motan-go agent sends them (motan.md §1.6, §3.3); the app echoes the wire id, which the agent
 * maps back. Bodies (and gzip) pass through untouched.
 */
export class MotanRelay implements RelayCodec {
  readonly protocol = 'motan2';
  readonly firstBytes = [0xf1];
  readonly splitter = motanSplitter;
  readonly heartbeatInterval = 60_000;
  private readonly writer = new ByteWriter();

  kind(frame: Buffer): FrameKind {
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

  inspect(frame: Buffer): RequestInfo {
    let meta: Record<string, string>;
    try {
      meta = readMeta(frame, META_START, META_START + frame.readUInt32BE(HEADER));
    } catch (err) {
      throw new RpcError(Code.BadRequest, `undecodable Motan2 meta: ${(err as Error).message}`, { cause: err });
    }
    const path = meta[Meta.PATH];
    if (!path) throw new RpcError(Code.BadRequest, 'motan: request without M_p (service): the agent routes on it');
    const timeout = Number(meta[Meta.TIMEOUT]);
    return {
      protocol: this.protocol,
      service: routeKey('motan2', { interface: path, version: meta[Meta.VERSION], group: meta[Meta.GROUP] }),
      method: meta[Meta.METHOD] || 'unknown',
      oneway: (frame[2]! & MsgType.ONEWAY) !== 0,
      timeoutMs: timeout > 0 ? timeout : undefined,
      headers: meta,
    };
  }

  forward(req: RelayRequest, high: number, low: number, extra: Readonly<Record<string, string>> | undefined): Buffer {
    const ingress = req.direction === 'ingress';
    let pairs: [string, string][] | undefined;
    if (extra !== undefined) pairs = Object.entries(extra);
    // To a local app: the caller's id rides as M_rid (unless an earlier hop put it there).
    if (ingress && req.info.headers[Meta.REQUEST_ID] === undefined) {
      const [h, l] = this.idOf(req.frame);
      (pairs ??= []).push([Meta.REQUEST_ID, requestIdMeta((BigInt(h) << 32n) | BigInt(l))]);
    }
    let frame: Buffer;
    if (pairs !== undefined) frame = withMeta(req.frame, pairs);
    else frame = req.sent ? Buffer.from(req.frame) : req.frame;
    if (ingress) frame[2] |= MsgType.PROXY;
    frame.writeUInt32BE(high, 5);
    frame.writeUInt32BE(low, 9);
    return frame;
  }

  restoreId(response: Buffer, high: number, low: number): Buffer {
    response.writeUInt32BE(high, 5);
    response.writeUInt32BE(low, 9);
    return response;
  }

  /**
   * An `M_e` the Meshlet and Java clients type correctly: no provider is motan-go's ENoEndpoints
   * (1001), not found 404, overload 503, a timeout Java's 10003, a lost connection ENoChannel.
   */
  errorReply(request: Buffer, high: number, low: number, error: RpcError): Uint8Array {
    const [errcode, errtype] = exceptionOf(error);
    return encodeExceptionResponse(this.writer, high, low, request[4]! >> 3, { errcode, errmsg: `meshlet agent: ${error.message}`, errtype });
  }

  clientCodec(): ClientCodec<number, null> {
    return new MotanRelayClientCodec();
  }
}

function exceptionOf(error: RpcError): [number, number] {
  switch (error.code) {
    case Code.Unavailable:
      return [ErrCode.GO_NO_ENDPOINTS, ErrType.FRAMEWORK];
    case Code.ServiceNotFound:
    case Code.MethodNotFound:
      return [ErrCode.NOT_FOUND, ErrType.SERVICE];
    case Code.Timeout:
      return [ErrCode.JAVA_TIMEOUT, ErrType.FRAMEWORK];
    case Code.ServerBusy:
      return [ErrCode.BUSY, ErrType.SERVICE];
    case Code.ConnectionClosed:
    case Code.Shutdown: // the provider went (or refused as stopping) and no other took the call
      return [ErrCode.GO_NO_CHANNEL, ErrType.FRAMEWORK];
    case Code.BadRequest:
    case Code.Protocol:
      return [ErrCode.BAD_REQUEST, ErrType.FRAMEWORK];
    default:
      return [ErrCode.SERVER_ERROR, ErrType.FRAMEWORK];
  }
}

/** The frame with `pairs` added at the end of its meta; header and body copied as they are. */
function withMeta(frame: Buffer, pairs: readonly (readonly [string, string])[]): Buffer {
  const metaLength = frame.readUInt32BE(HEADER);
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
  out.writeUInt32BE(metaLength + added.length, HEADER);
  return out;
}

function joinPairs(parts: string[]): string {
  let s = '';
  for (let i = 0; i < parts.length; i += 3) s += (i > 0 ? '\n' : '') + parts[i] + parts[i + 1] + parts[i + 2];
  return s;
}

class MotanRelayClientCodec extends MotanClientFraming<null> {
  encodeHeartbeat(id: number): Uint8Array {
    const [high, low] = halves(id);
    return encodeHeartbeat(high, low, SIMPLE);
  }

  /**
   * The reply frame, copied, to relay as it is; except a stopping provider's refusal, which is
   * this hop's SHUTDOWN: the agent resends the call (never executed) to another provider. Relayed,
   * it would make the app set its own agent aside.
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
    const meta = readMeta(frame, META_START, META_START + frame.readUInt32BE(HEADER));
    return errorFromException(meta[Meta.EXCEPTION]).code === Code.Shutdown;
  } catch {
    return false;
  }
}
