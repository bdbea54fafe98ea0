/** Dubbo 2 wire constants (ExchangeCodec, DubboCodec, Response in apache/dubbo). */

export const MAGIC = 0xdabb;
export const HEADER_LENGTH = 16;

export const FLAG_REQUEST = 0x80;
export const FLAG_TWOWAY = 0x40;
export const FLAG_EVENT = 0x20;
export const SERIALIZATION_MASK = 0x1f;

/** The only serialization Meshlet speaks on Dubbo; every Java peer and agent accepts it. */
export const HESSIAN2 = 2;

export const Status = {
  OK: 20,
  SERIALIZATION_ERROR: 25,
  CLIENT_TIMEOUT: 30,
  SERVER_TIMEOUT: 31,
  CHANNEL_INACTIVE: 35,
  BAD_REQUEST: 40,
  BAD_RESPONSE: 50,
  SERVICE_NOT_FOUND: 60,
  SERVICE_ERROR: 70,
  SERVER_ERROR: 80,
  CLIENT_ERROR: 90,
  SERVER_THREADPOOL_EXHAUSTED_ERROR: 100,
} as const;

/** First value of an OK response body. 3–5 only when the request's dubbo version allows them. */
export const ResponseFlag = {
  EXCEPTION: 0,
  VALUE: 1,
  NULL_VALUE: 2,
  EXCEPTION_WITH_ATTACHMENTS: 3,
  VALUE_WITH_ATTACHMENTS: 4,
  NULL_VALUE_WITH_ATTACHMENTS: 5,
} as const;

/** What Java sends as the protocol version (`Version.DEFAULT_DUBBO_PROTOCOL_VERSION`). */
export const DUBBO_VERSION = '2.0.2';

/** Read-only event data a provider sends before a graceful stop, and its undo. */
export const READONLY_EVENT = 'R';
export const WRITEABLE_EVENT = 'W';

/** Java rejects non-heartbeat event payloads longer than this (`deserialization.event.size`). */
export const MAX_EVENT_SIZE = 15;

export const DEFAULT_PORT = 20880;
