import { crc32 } from 'node:zlib';
import { Code, RpcError, type FrameSplitter } from '@meshlet/core';
import type { HessianWriter } from '@meshlet/hessian';
import {
  CRC_LENGTH, PROTOCOL_V1, PROTOCOL_V2, SWITCH_CRC, TYPE_REQUEST, TYPE_REQUEST_ONEWAY, TYPE_RESPONSE,
  V1_REQUEST_HEADER, V1_RESPONSE_HEADER, V2_REQUEST_HEADER, V2_RESPONSE_HEADER, V2_VER1_CRC, VER2,
} from './constants.js';
import { i16, i32, put16, put32, u16 } from './bytes.js';

/**
 * The fixed header of one Bolt frame (v1 or v2, request or response) and where its class, header
 * map and content lie in the frame. Offsets are into the frame buffer; nothing is copied.
 */
export interface BoltFrame {
  /** 1 or 2 (byte 0). */
  readonly proto: number;
  /** v2 only: 1 = v1 semantics, 2 = CRC capable; 0 for v1 frames. */
  readonly ver1: number;
  /** v2 only: the switch byte (bit 0 = CRC trailer); 0 for v1 frames. */
  readonly switchByte: number;
  readonly type: number;
  readonly cmd: number;
  readonly id: number;
  readonly codec: number;
  /** Requests: timeout in ms (-1 = none). Responses: 0. */
  readonly timeout: number;
  /** Responses: the status. Requests: 0. */
  readonly status: number;
  readonly classStart: number;
  readonly classLength: number;
  readonly headerStart: number;
  readonly headerLength: number;
  readonly contentStart: number;
  readonly contentLength: number;
}

/** How a frame is framed: v1, or v2 with its `ver1` and switch bytes (a response copies the request's). */
export interface FrameShape {
  readonly proto: number;
  readonly ver1: number;
  readonly switchByte: number;
}

export const V1: FrameShape = Object.freeze({ proto: PROTOCOL_V1, ver1: 0, switchByte: 0 });
/** v2 without CRC, as sofa-bolt-node sends it (`ver1` 1). */
export const V2: FrameShape = Object.freeze({ proto: PROTOCOL_V2, ver1: 1, switchByte: 0 });
/** v2 with a CRC32 trailer: `ver1` 2 and the switch bit, the only combination Java checks. */
export const V2_CRC: FrameShape = Object.freeze({ proto: PROTOCOL_V2, ver1: V2_VER1_CRC, switchByte: SWITCH_CRC });

function fixedLength(proto: number, type: number): number {
  const response = type === TYPE_RESPONSE;
  if (!response && type !== TYPE_REQUEST && type !== TYPE_REQUEST_ONEWAY) {
    throw new RpcError(Code.Protocol, `unknown Bolt command type ${type}`);
  }
  if (proto === PROTOCOL_V1) return response ? V1_RESPONSE_HEADER : V1_REQUEST_HEADER;
  return response ? V2_RESPONSE_HEADER : V2_REQUEST_HEADER;
}

/**
 * Splits a byte stream into Bolt frames. The fixed header is 20 to 24 bytes depending on version
 * and type, but the engine asks for one fixed `headerLength`: we take 3 (proto, and type at byte 1
 * or 2) and, until the whole fixed header is there, answer with its length, which the reader
 * treats as "not complete yet" and asks again with more bytes. Lengths are signed in Java; a
 * negative one cannot start a frame.
 */
export const boltSplitter: FrameSplitter = {
  headerLength: 3,
  frameLength(buf, offset) {
    const proto = buf[offset]!;
    if (proto !== PROTOCOL_V1 && proto !== PROTOCOL_V2) {
      throw new RpcError(Code.Protocol, `not a Bolt frame: protocol code 0x${proto.toString(16).padStart(2, '0')}, expected 0x01 or 0x02`);
    }
    const v2 = proto === PROTOCOL_V2;
    const type = buf[offset + (v2 ? 2 : 1)]!;
    const fixed = fixedLength(proto, type);
    if (buf.length - offset < fixed) return fixed;
    const lengths = offset + fixed - 8;
    const classLength = i16(buf, lengths);
    const headerLength = i16(buf, lengths + 2);
    const contentLength = i32(buf, lengths + 4);
    if (classLength < 0 || headerLength < 0 || contentLength < 0) {
      throw new RpcError(Code.Protocol, `negative Bolt length (class ${classLength}, header ${headerLength}, content ${contentLength})`);
    }
    // Java's v2 decoder reserves the CRC whenever the switch bit is set, whatever ver1 says.
    const crc = v2 && (buf[offset + 11]! & SWITCH_CRC) !== 0 ? CRC_LENGTH : 0;
    return fixed + classLength + headerLength + contentLength + crc;
  },
};

/** Reads the fixed header of a complete frame (as `boltSplitter` cut it). */
export function parseFrame(frame: Buffer): BoltFrame {
  const proto = frame[0]!;
  const v2 = proto === PROTOCOL_V2;
  const o = v2 ? 1 : 0; // v2 inserts ver1 after byte 0, and the switch after the codec
  const type = frame[1 + o]!;
  if ((proto !== PROTOCOL_V1 && !v2) || frame.length < 3) {
    throw new RpcError(Code.Protocol, `not a Bolt frame (${frame.length} bytes, protocol code ${proto})`);
  }
  const fixed = fixedLength(proto, type);
  if (frame.length < fixed) throw new RpcError(Code.Protocol, `Bolt frame of ${frame.length} bytes is shorter than its ${fixed}-byte header`);
  const response = type === TYPE_RESPONSE;
  const after = 10 + o + o; // first byte after codec (and switch)
  const lengths = fixed - 8;
  const classLength = i16(frame, lengths);
  const headerLength = i16(frame, lengths + 2);
  const contentLength = i32(frame, lengths + 4);
  const crc = v2 && (frame[11]! & SWITCH_CRC) !== 0 ? CRC_LENGTH : 0;
  if (classLength < 0 || headerLength < 0 || contentLength < 0 || fixed + classLength + headerLength + contentLength + crc !== frame.length) {
    throw new RpcError(Code.Protocol, `Bolt frame of ${frame.length} bytes does not match its lengths (class ${classLength}, header ${headerLength}, content ${contentLength})`);
  }
  return {
    proto,
    ver1: v2 ? frame[1]! : 0,
    switchByte: v2 ? frame[11]! : 0,
    type,
    cmd: u16(frame, 2 + o),
    id: i32(frame, 5 + o),
    codec: frame[9 + o]!,
    timeout: response ? 0 : i32(frame, after),
    status: response ? u16(frame, after) : 0,
    classStart: fixed,
    classLength,
    headerStart: fixed + classLength,
    headerLength,
    contentStart: fixed + classLength + headerLength,
    contentLength,
  };
}

/** The request id of a complete frame, without parsing the rest. */
export function frameId(frame: Buffer): number {
  return i32(frame, frame[0] === PROTOCOL_V2 ? 6 : 5);
}

/** The command type and code of a complete frame, without parsing the rest. */
export function frameType(frame: Buffer): number {
  return frame[frame[0] === PROTOCOL_V2 ? 2 : 1]!;
}

export function frameCmd(frame: Buffer): number {
  return u16(frame, frame[0] === PROTOCOL_V2 ? 3 : 2);
}

/** The shape (version, ver1, switch) of a received frame, for answering in kind. */
export function shapeOf(frame: Buffer): FrameShape {
  if (frame[0] !== PROTOCOL_V2) return V1;
  const ver1 = frame[1]!;
  const sw = frame[11]!;
  if (ver1 === V2.ver1 && sw === 0) return V2;
  if (ver1 === V2_CRC.ver1 && sw === SWITCH_CRC) return V2_CRC;
  return { proto: PROTOCOL_V2, ver1, switchByte: sw };
}

/**
 * True unless the frame is v2 with `ver1` 2 and the CRC bit, and its trailer is not the CRC32 of
 * every byte before it (Java checks exactly that case).
 */
export function crcValid(frame: Buffer): boolean {
  if (frame[0] !== PROTOCOL_V2 || frame[1] !== V2_VER1_CRC || (frame[11]! & SWITCH_CRC) === 0) return true;
  const end = frame.length - CRC_LENGTH;
  return crc32(frame.subarray(0, end)) === frame.readUInt32BE(end);
}

/**
 * One frame from its parts, copied once into a buffer of the exact size. `third` is the timeout
 * of a request or the status of a response. A CRC32 trailer follows when the shape's switch bit is
 * set (the reader on the other side reserves it then). Hessian content is better written in place
 * (`headLength` + `finishInPlace`): this copy is for small or foreign content.
 */
export function buildFrame(
  shape: FrameShape, type: number, cmd: number, id: number, codec: number, third: number,
  cls: Uint8Array, header: Uint8Array, content: Uint8Array,
): Buffer {
  const crc = hasCrc(shape);
  const head = headLength(shape, type, cls, header);
  const f = Buffer.allocUnsafe(head + content.length + (crc ? CRC_LENGTH : 0));
  writeHead(f, shape, type, cmd, id, codec, third, cls, header, content.length);
  f.set(content, head);
  if (crc) writeCrc(f);
  return f;
}

/** Bytes before the content: the fixed header, the class and the header map. */
export function headLength(shape: FrameShape, type: number, cls: Uint8Array, header: Uint8Array): number {
  return fixedLength(shape.proto, type) + cls.length + header.length;
}

/**
 * The frame whose content `w` wrote behind `headLength(...)` bytes of headroom (`w.reset(n)`):
 * the head is filled in before the content where it lies, nothing is copied into a new frame (a
 * large content's buffer becomes the frame; see `HessianWriter.takeFrame`). The frame is the
 * caller's; the writer is ready for its next `reset`.
 */
export function finishInPlace(
  w: HessianWriter, shape: FrameShape, type: number, cmd: number, id: number, codec: number, third: number,
  cls: Uint8Array, header: Uint8Array,
): Buffer {
  const contentLength = w.length;
  const crc = hasCrc(shape);
  if (crc) w.writeRaw(CRC_ROOM);
  const f = w.takeFrame();
  writeHead(f, shape, type, cmd, id, codec, third, cls, header, contentLength);
  if (crc) writeCrc(f);
  return f;
}

const CRC_ROOM = new Uint8Array(CRC_LENGTH);

function isU16(v: number): boolean {
  return v >= 0 && v <= 0xffff && Number.isInteger(v);
}

function hasCrc(shape: FrameShape): boolean {
  return shape.proto === PROTOCOL_V2 && (shape.switchByte & SWITCH_CRC) !== 0;
}

/** The CRC32 of every byte before the trailer, into the trailer (the frame's last 4 bytes). */
function writeCrc(f: Buffer): void {
  const end = f.length - CRC_LENGTH;
  f.writeUInt32BE(crc32(f.subarray(0, end)), end);
}

/** Fixed header, class and header map into `f[0, headLength)`. */
function writeHead(
  f: Buffer, shape: FrameShape, type: number, cmd: number, id: number, codec: number, third: number,
  cls: Uint8Array, header: Uint8Array, contentLength: number,
): void {
  const v2 = shape.proto === PROTOCOL_V2;
  // fixedLength also rejects an unknown type before anything is written.
  if (fixedLength(shape.proto, type) + cls.length + header.length + contentLength > f.length) {
    throw new RpcError(Code.Internal, 'Bolt frame buffer shorter than its head and content');
  }
  // The 16-bit fields, checked as Buffer.writeUInt16BE did (the bytes are written directly).
  if (!isU16(cmd) || !isU16(cls.length) || !isU16(header.length) || (type === TYPE_RESPONSE && !isU16(third))) {
    throw new RpcError(Code.Serialization, `Bolt command ${cmd}, status ${third}, class or header length (${cls.length}, ${header.length}) does not fit 16 bits`);
  }
  let p = 0;
  f[p++] = shape.proto;
  if (v2) f[p++] = shape.ver1;
  f[p++] = type;
  put16(f, p, cmd);
  p += 2;
  f[p++] = VER2;
  put32(f, p, id);
  p += 4;
  f[p++] = codec;
  if (v2) f[p++] = shape.switchByte;
  if (type === TYPE_RESPONSE) {
    put16(f, p, third);
    p += 2;
  } else {
    put32(f, p, third);
    p += 4;
  }
  put16(f, p, cls.length);
  put16(f, p + 2, header.length);
  put32(f, p + 4, contentLength);
  p += 8;
  if (cls.length > 0) f.set(cls, p);
  p += cls.length;
  if (header.length > 0) f.set(header, p);
}

/** Java reads class and header lengths as signed shorts. */
export const MAX_SHORT_LENGTH = 0x7fff;

export function checkShortLength(what: string, length: number): void {
  if (length > MAX_SHORT_LENGTH) throw new RpcError(Code.Serialization, `Bolt ${what} of ${length} bytes exceeds 32767`);
}
