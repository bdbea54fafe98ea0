/** Motan2 wire constants (motan.md §1). */

export const MAGIC = 0xf1f1;
/** magic(2) msgType(1) version|status(1) serialization(1) request id(8). */
export const HEADER_LENGTH = 13;
/** Where the meta starts, after its u32 size. */
export const META_START = 17;
/** A frame with no meta and no body (a heartbeat). */
export const MIN_FRAME_LENGTH = 21;

/** Byte 3 is `version << 3 | status`; Motan2 is version 1. */
export const VERSION = 1;

/** Bits of the msgType byte. */
export const MsgType = {
  /** 1 = response, 0 = request. */
  RESPONSE: 0x01,
  /** Set by and for the motan-go agent: "pass the body through". */
  PROXY: 0x02,
  ONEWAY: 0x04,
  GZIP: 0x08,
  HEARTBEAT: 0x10,
} as const;

/** The low 3 bits of byte 3. */
export const Status = { NORMAL: 0, EXCEPTION: 1 } as const;

/** Serialization ids in the upper 5 bits of byte 4. */
export const Serialization = { HESSIAN2: 0, SIMPLE: 6, BREEZE: 8 } as const;

/** The meta keys Motan peers read and write (motan.md §1.7). */
export const Meta = {
  PATH: 'M_p',
  METHOD: 'M_m',
  METHOD_DESC: 'M_md',
  GROUP: 'M_g',
  VERSION: 'M_v',
  SOURCE: 'M_s',
  MODULE: 'M_mdu',
  PROTOCOL: 'M_pp',
  TIMEOUT: 'M_tmo',
  /** The caller's request id, kept by the agent when it re-numbers a proxied request. */
  REQUEST_ID: 'M_rid',
  PROCESS_TIME: 'M_pt',
  EXCEPTION: 'M_e',
} as const;

/** `errtype` of `M_e`. */
export const ErrType = { FRAMEWORK: 0, SERVICE: 1, BUSINESS: 2 } as const;

export const PROTOCOL = 'motan2';
export const DEFAULT_PORT = 8002;
/** Motan's group and version when none is configured. */
export const DEFAULT_GROUP = 'default_rpc';
export const DEFAULT_VERSION = '1.0';

/**
 * On graceful stop, how long (ms) a drained connection stays open, still serving, after the last
 * request before it is closed. Motan2 has no GoAway, and motan-go's client (v1.2.0) fails every
 * pending call with "the channel has been shutdown" when it reads the close, even those whose
 * replies came in the same read: seen against motan-go, 53 of 64 drained calls lost when the close
 * followed the last reply at once.
 */
export const SERVER_CLOSE_LINGER = 300;

/**
 * On graceful stop, how long (ms) requests are still served as usual: callers that found this
 * provider through a registry see it withdrawn meanwhile and stop sending. Requests arriving after
 * it are refused, not executed (see `stoppingException`): Motan2 has no GoAway, and callers by
 * address would otherwise keep a drain going until the grace period cuts their calls off.
 */
export const STOP_NOTICE = 1000;

/**
 * Past the notice, how many requests in a row a stopping provider refuses per connection before it
 * serves (answering late, `STOP_HOLD`) what is already on its way: the errors in a row after
 * which Java's motan (`fusingThreshold`) and motan-go (`errorCountThreshold`) drop an address.
 */
export const STOP_REFUSALS = 10;

/** ms the answers after a refusal burst wait, so the caller has read the burst first. */
export const STOP_HOLD = 300;
