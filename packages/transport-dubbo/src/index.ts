import type { ProtocolRegistration } from '@meshlet/core';
import { dubbo } from './protocol.js';
export { dubbo } from './protocol.js';
export { DubboClient } from './client.js';
export { DubboServer } from './server.js';
export { toDubboUrl, fromDubboUrl } from './url.js';
export { parseHeader, dubboSplitter, type DubboHeader } from './header.js';
export { RequestEncoder, readRequestHead, type RequestHead } from './request.js';
export { decodeResponse, encodeValueResponse, encodeExceptionResponse, encodeErrorResponse, encodeHeartbeatResponse, encodeHeartbeatRequest, encodeReadonlyEvent } from './response.js';
export { supportsResponseAttachments, intVersion } from './version.js';
export { Status, ResponseFlag, DUBBO_VERSION, DEFAULT_PORT } from './constants.js';
export { dubboGenericCall } from './generic.js';
export { dubboRelay, DubboRelay } from './relay.js';
export { DubboClientFraming } from './client-framing.js';
export { errorForStatus, statusForError, proxyStatusForError } from './status.js';

/** Dubbo 2 for `registerProtocols([...])`: the one line that makes `protocols: ['dubbo']` work. */
export const dubboProtocol: ProtocolRegistration = { name: 'dubbo', create: dubbo };
