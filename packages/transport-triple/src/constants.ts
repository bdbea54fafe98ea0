/** The protocol's name in URLs and registrations: Dubbo 3 registers Triple providers as `tri://`. */
export const PROTOCOL = 'tri';
/** Dubbo 3's default Triple port (gRPC's customary one). */
export const DEFAULT_PORT = 50051;

/** gRPC's framing: 1 byte compressed flag + 4 bytes big-endian length before each message. */
export const PREFIX_LENGTH = 5;
/** Default largest message taken or sent (gRPC's receive default is 4 MiB; we follow the engine's 8 MiB). */
export const DEFAULT_MAX_MESSAGE_SIZE = 8 * 1024 * 1024;

export const CONTENT_TYPE = 'application/grpc';
export const CONTENT_TYPE_PROTO = 'application/grpc+proto';

/**
 * Header names: gRPC's own and the `tri-*` ones Apache Dubbo 3.3 sends and reads
 * (org.apache.dubbo.rpc.protocol.tri.TripleHeaderEnum).
 */
export const H = {
  contentType: 'content-type',
  te: 'te',
  timeout: 'grpc-timeout',
  encoding: 'grpc-encoding',
  acceptEncoding: 'grpc-accept-encoding',
  status: 'grpc-status',
  message: 'grpc-message',
  details: 'grpc-status-details-bin',
  userAgent: 'user-agent',
  version: 'tri-service-version',
  group: 'tri-service-group',
  reqId: 'tri-req-id',
  consumerApp: 'tri-consumer-appname',
  headerConvert: 'tri-header-convert',
  exceptionCode: 'tri-exception-code',
} as const;

/** Headers that are the protocol's and never an attachment. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  ...Object.values(H),
  ':path', ':method', ':scheme', ':authority', ':status',
  'accept-encoding', 'content-length', 'connection', 'host', 'grpc-previous-rpc-attempts', 'tri-service-timeout',
  // Triple's HTTP-style unary (unary-http.ts): protocol headers, not attachments.
  'tri-protocol-version', 'content-encoding', 'connect-protocol-version', 'connect-timeout-ms',
]);
