import type { ProtocolRegistration } from '@meshlet/core';
import { triple, type TripleOptions } from './protocol.js';
export { triple, type TripleOptions } from './protocol.js';
export { TripleProtocolClient, type TripleClientOptions } from './client.js';
export { TripleProtocolServer, type TripleServerOptions } from './server.js';
export { methodCodec, decodeJavaException, encodeJavaException, type MethodCodec } from './codec.js';
export { frameMessage, MessageReader } from './framing.js';
export { GrpcStatus, statusForCode, codeForStatus, encodeGrpcMessage, decodeGrpcMessage, withStatusDetails, statusDetailsOf, type StatusDetail } from './status.js';
export { encodeRpcStatus, decodeRpcStatus, type RpcStatus } from './rpc-status.js';
export {
  encodeRequestWrapper, decodeRequestWrapper, encodeResponseWrapper, decodeResponseWrapper,
  type RequestWrapper, type ResponseWrapper,
} from './wrapper.js';
export { encodeTimeout, parseTimeout } from './timeout.js';
export { toTripleUrl, fromTripleUrl } from './url.js';
export { PROTOCOL, DEFAULT_PORT } from './constants.js';

/** Triple for `registerProtocols([...])`: the one line that makes `protocols: ['tri']` work. */
export const tripleProtocol: ProtocolRegistration<TripleOptions> = { name: 'tri', create: triple };

export { protobufMessage, protobufMethods } from './protobuf.js';
export {
  TripleRelayServer, TripleRelayClient, TripleRelayCall, tripleRelayProtocol, tripleRoute, failTripleStream, H2_PREFACE,
  type TripleRelayServerOptions,
} from './relay.js';
