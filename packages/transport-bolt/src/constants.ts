/** SOFA Bolt wire constants (sofa-bolt `RpcProtocol`, `RpcProtocolV2`, `ResponseStatus`; bolt-sofa.md §1). */

/** Byte 0 of every frame. */
export const PROTOCOL_V1 = 1;
export const PROTOCOL_V2 = 2;

/** v2 byte 1 (`ver1`): 1 = v1 semantics, 2 = CRC capable. */
export const V2_VER1_PLAIN = 1;
export const V2_VER1_CRC = 2;
/** v2 `switch` byte: bit 0 asks for a CRC32 trailer. */
export const SWITCH_CRC = 0x01;

/** `type` byte. */
export const TYPE_RESPONSE = 0;
export const TYPE_REQUEST = 1;
export const TYPE_REQUEST_ONEWAY = 2;

/** `cmdcode` short. `GOAWAY` is MOSN's (`enable_bolt_goaway`); Java Bolt has no such command. */
export const CMD_HEARTBEAT = 0;
export const CMD_REQUEST = 1;
export const CMD_RESPONSE = 2;
export const CMD_GOAWAY = 100;

/** `ver2` byte: always 1 (`RpcCommand.version`). */
export const VER2 = 1;

/** Fixed header lengths, before class, header map and content. */
export const V1_REQUEST_HEADER = 22;
export const V1_RESPONSE_HEADER = 20;
export const V2_REQUEST_HEADER = 24;
export const V2_RESPONSE_HEADER = 22;
export const CRC_LENGTH = 4;

/** Serializer ids in the `codec` byte (SOFARPC `RemotingConstants`). 1 carries either Hessian flavour. */
export const CODEC_HESSIAN = 1;
export const CODEC_JAVA = 2;
export const CODEC_HESSIAN2_LEGACY = 4;
export const CODEC_PROTOBUF = 11;

/** Response status short (`ResponseStatus`, identical in MOSN and anthunder). */
export const Status = {
  SUCCESS: 0x0000,
  ERROR: 0x0001,
  SERVER_EXCEPTION: 0x0002,
  UNKNOWN: 0x0003,
  SERVER_THREADPOOL_BUSY: 0x0004,
  ERROR_COMM: 0x0005,
  NO_PROCESSOR: 0x0006,
  TIMEOUT: 0x0007,
  CLIENT_SEND_ERROR: 0x0008,
  CODEC_EXCEPTION: 0x0009,
  CONNECTION_CLOSED: 0x0010,
  SERVER_SERIAL_EXCEPTION: 0x0011,
  SERVER_DESERIAL_EXCEPTION: 0x0012,
} as const;

/** The `class` field: Java Bolt dispatches on it, so it must be exactly these. */
export const SOFA_REQUEST_CLASS = 'com.alipay.sofa.rpc.core.request.SofaRequest';
export const SOFA_RESPONSE_CLASS = 'com.alipay.sofa.rpc.core.response.SofaResponse';
/** Class of the body Java Bolt sends with its own failures (unknown request class, decode errors). */
export const RPC_SERVER_EXCEPTION_CLASS = 'com.alipay.remoting.rpc.exception.RpcServerException';

/** Header keys SOFARPC reads and writes (`RemotingConstants`). */
export const HEAD_SERVICE = 'service';
export const HEAD_METHOD_NAME = 'sofa_head_method_name';
export const HEAD_TARGET_SERVICE = 'sofa_head_target_service';
export const HEAD_TARGET_APP = 'sofa_head_target_app';
export const HEAD_RESPONSE_ERROR = 'sofa_head_response_error';
/** requestProps keys a Java consumer always sets (`DefaultClientProxyInvoker`). */
export const PROP_APP = 'app';
export const PROP_PROTOCOL = 'protocol';
export const PROP_INVOKE_TYPE = 'type';

/** Trace context: SOFATracer ≥ 5.1 sends one string, older tracers (and MOSN) a flattened map. */
export const NEW_TRACE_CONTEXT = 'new_rpc_trace_context';
export const TRACE_CONTEXT = 'rpc_trace_context';
export const TRACE_CONTEXT_PREFIX = 'rpc_trace_context.';

/** SOFARPC's default version when a service declares none (`ConfigUniqueNameGenerator`). */
export const DEFAULT_SOFA_VERSION = '1.0';

/** SOFARPC's and sofa-rpc-node's default port. */
export const DEFAULT_PORT = 12200;

/** Java Bolt client: heartbeat after 15 s idle (`bolt.tcp.heartbeat.interval`); server closes after 90 s idle. */
export const CLIENT_HEARTBEAT_INTERVAL = 15_000;
export const SERVER_IDLE_TIMEOUT = 90_000;
/**
 * How long a stopping provider keeps drained connections open with no new request before closing
 * them, ms. Java Bolt's client fails every pending call when it reads the close, even calls whose
 * replies it read just before and has not handled yet (they wait for its executor); and it keeps
 * sending to a stopping provider, not knowing GoAway. Seen against SOFARPC 5.13.2: up to 21 of 64
 * drained calls reported "Connection closed" when the close followed the last reply at once.
 */
export const SERVER_CLOSE_LINGER = 300;
