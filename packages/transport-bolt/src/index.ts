import type { ProtocolRegistration } from '@meshlet/core';
import { bolt, type BoltOptions } from './protocol.js';
export { bolt, type BoltOptions } from './protocol.js';
export { BoltClient, BoltClientFraming, type BoltClientOptions } from './client.js';
export { BoltServer, type BoltServerOptions } from './server.js';
export { toSofaUrl, fromSofaUrl } from './url.js';
export { protobufMessage, protobufMethods, protobufBindingOf, ProtobufBinding, type ProtobufMessageOptions } from './protobuf.js';
export { readTraceContext, type SofaTraceContext } from './props.js';
export { uniqueName, parseUniqueName } from './service-name.js';
export { boltSplitter, parseFrame, buildFrame, crcValid, shapeOf, frameId, frameType, frameCmd, V1, V2, V2_CRC, type BoltFrame, type FrameShape } from './frame.js';
export { encodeStatusResponse, encodeHeartbeatAck } from './response.js';
export { encodeHeaderMap, decodeHeaderMap, javaHashMapOrder } from './header-map.js';
export { errorForStatus, statusName, statusForError, proxyStatusForError } from './status.js';
export { boltRelay, BoltRelay } from './relay.js';
export { type HessianFlavour } from './flavours.js';
export * from './constants.js';

/** SOFARPC Bolt for `registerProtocols([...])`: the one line that makes `protocols: ['bolt']` work. */
export const boltProtocol: ProtocolRegistration<BoltOptions> = { name: 'bolt', create: bolt };
