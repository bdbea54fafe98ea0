import type { ProtocolRegistration } from '@meshlet/core';
import { motan2 } from './protocol.js';
import type { Motan2Options } from './options.js';
export { motan2 } from './protocol.js';
export type { Motan2Options } from './options.js';
export { MotanClient, MotanClientFraming } from './client.js';
export { MotanServer } from './server.js';
export { toMotanUrl, fromMotanUrl } from './url.js';
export { parseHeader, motanSplitter, requestIdMeta, parseRequestIdMeta, type MotanHeader } from './header.js';
export { encodeFrame, type FrameFields } from './frame.js';
export { readMeta } from './meta.js';
export { encodeRequest, prepareCall, type PreparedCall, type ProxyOptions } from './request.js';
export { decodeResponse, encodeValueResponse, encodeExceptionResponse, encodeHeartbeat, encodeHeartbeatReply } from './response.js';
export { exceptionFor, proxyExceptionFor, exceptionJson, errorFromException, stoppingException, STOPPING_PREFIX, ErrCode, type MotanException } from './exception.js';
export { motanRelay, MotanRelay } from './relay.js';
export { Serializations } from './serializations.js';
export { simpleSerialization, breezeSerialization, registerMotanSerializations } from './serialization-spi.js';
export type { Serializer, MethodCodec, SerializationName } from './serializer.js';
export { SimpleSerializer, SimpleTag } from './simple/index.js';
export { BreezeSerializer, BreezeTag, BreezeMessage, javaFieldIndex, type BreezeFieldIndexes } from './breeze/index.js';
export { ByteWriter } from './wire/writer.js';
export { ByteReader } from './wire/reader.js';
export { MAGIC, MsgType, Status, Serialization, Meta, ErrType, DEFAULT_PORT, DEFAULT_GROUP, DEFAULT_VERSION, STOP_NOTICE } from './constants.js';

/** Motan2 for `registerProtocols([...])`: the one line that makes `protocols: ['motan2']` work. */
export const motan2Protocol: ProtocolRegistration<Motan2Options> = { name: 'motan2', create: motan2 };
