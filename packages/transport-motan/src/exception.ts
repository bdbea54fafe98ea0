import { Code, RpcError, wireTable } from '@meshlet/core';
import { ErrType } from './constants.js';

/**
 * What Java motan's DefaultProvider writes before the thrown message of a business exception
 * (`MotanBizException("provider call process error", cause)`, whose M_e errmsg is its message +
 * ", org err:" + the cause's; errcode 30001). motan-go and Meshlet send the message alone.
 */
export const JAVA_BIZ_PREFIX = 'provider call process error, org err:';

/** What `M_e` carries: `{"errcode":int,"errmsg":string,"errtype":int}`. */
export interface MotanException {
  readonly errcode: number;
  readonly errmsg: string;
  readonly errtype: number;
}

/**
 * Error codes Meshlet answers with. Java's and Go's clients only branch on `errtype`; the codes
 * are motan-go's where it has one (404 provider not found, 400 bad request, 501 unsupported), and
 * Java's FRAMEWORK_ENCODE_ERROR for a result that does not fit its declared type.
 */
export const ErrCode = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  SERVER_ERROR: 500,
  UNSUPPORTED: 501,
  BUSY: 503,
  FORBIDDEN: 403,
  JAVA_SERVICE_NOT_FOUND: 10101,
  JAVA_REJECTED: 10002,
  JAVA_TIMEOUT: 10003,
  JAVA_ENCODE_ERROR: 20002,
  JAVA_DECODE_ERROR: 20003,
  GO_NO_ENDPOINTS: 1001,
  GO_NO_CHANNEL: 1002,
} as const;

/**
 * What starts the errmsg of a request refused by a stopping provider. The errcode is Java's
 * SERVICE_REJECT (10002, "service reject": refused before execution, as Java's own provider refuses
 * when its thread pool is full); Java's and motan-go's clients fail such a call over to another
 * provider when `retries` > 0 and count it toward marking the address unavailable. Meshlet's client
 * tells it from a busy provider by this prefix and reads it as SHUTDOWN.
 */
export const STOPPING_PREFIX = 'provider stopping';

/** The `M_e` answering a request that arrived after a stopping provider's notice period: never executed. */
export function stoppingException(): MotanException {
  return {
    errcode: ErrCode.JAVA_REJECTED,
    errmsg: `${STOPPING_PREFIX}: request not executed, send it to another provider`,
    errtype: ErrType.SERVICE,
  };
}

/** An `M_e`'s errcode and errtype. */
type ErrorKind = readonly [errcode: number, errtype: number];

/** How a provider reports a framework failure; any other code is SERVER_ERROR, FRAMEWORK. */
const providerKind = wireTable<Code, ErrorKind>([
  [[ErrCode.NOT_FOUND, ErrType.SERVICE], Code.ServiceNotFound],
  // Java motan's DefaultProvider: SERVICE_UNFOUND (10101) "Service method not exist" (404 is
  // its router's code for a missing service). Go callers read errtype only.
  [[ErrCode.JAVA_SERVICE_NOT_FOUND, ErrType.SERVICE], Code.MethodNotFound],
  [[ErrCode.BAD_REQUEST, ErrType.FRAMEWORK], Code.BadRequest, Code.Protocol, Code.Serialization, Code.FrameTooLarge],
  [[ErrCode.UNSUPPORTED, ErrType.FRAMEWORK], Code.Unsupported],
  [[ErrCode.JAVA_ENCODE_ERROR, ErrType.FRAMEWORK], Code.BadResponse],
  [[ErrCode.BUSY, ErrType.SERVICE], Code.ServerBusy],
  // Authorization refused the caller: neither Java motan nor motan-go has a code for it (motan-go's
  // agent leaves permission checks to a plug-in), so HTTP's 403 beside motan-go's 400/404/501/503,
  // errtype SERVICE: Java callers raise a MotanServiceException with the errmsg, Go callers an error.
  [[ErrCode.FORBIDDEN, ErrType.SERVICE], Code.PermissionDenied],
  // Java motan's SERVICE_TIMEOUT: its callers raise a MotanServiceException, as for their own timeout.
  [[ErrCode.JAVA_TIMEOUT, ErrType.SERVICE], Code.Timeout],
], [ErrCode.SERVER_ERROR, ErrType.FRAMEWORK]);

/**
 * How a proxy (Meshlet's agent) reports its own failures, in codes the Meshlet and Java clients
 * type correctly: no provider is motan-go's ENoEndpoints (1001), not found 404, overload 503, a
 * timeout Java's 10003, a lost connection (or a provider that stopped and no other took the call)
 * ENoChannel. Any other code is SERVER_ERROR, FRAMEWORK.
 */
const proxyKind = wireTable<Code, ErrorKind>([
  [[ErrCode.GO_NO_ENDPOINTS, ErrType.FRAMEWORK], Code.Unavailable],
  [[ErrCode.NOT_FOUND, ErrType.SERVICE], Code.ServiceNotFound, Code.MethodNotFound],
  [[ErrCode.JAVA_TIMEOUT, ErrType.FRAMEWORK], Code.Timeout],
  [[ErrCode.BUSY, ErrType.SERVICE], Code.ServerBusy],
  [[ErrCode.GO_NO_CHANNEL, ErrType.FRAMEWORK], Code.ConnectionClosed, Code.Shutdown],
  [[ErrCode.BAD_REQUEST, ErrType.FRAMEWORK], Code.BadRequest, Code.Protocol],
], [ErrCode.SERVER_ERROR, ErrType.FRAMEWORK]);

/** The `M_e` a provider answers a failure with. Anything the method itself threw is a business exception. */
export function exceptionFor(err: RpcError, business: boolean): MotanException {
  if (business) return { errcode: ErrCode.SERVER_ERROR, errmsg: err.message, errtype: ErrType.BUSINESS };
  const [errcode, errtype] = providerKind(err.code);
  return { errcode, errmsg: err.message, errtype };
}

/** The `M_e` a proxy answers its own failure with `code`, saying `errmsg`. */
export function proxyExceptionFor(code: Code, errmsg: string): MotanException {
  const [errcode, errtype] = proxyKind(code);
  return { errcode, errmsg, errtype };
}

/** JSON in the key order motan-go's struct tags give (and the reference vectors show). */
export function exceptionJson(e: MotanException): string {
  return `{"errcode":${e.errcode},"errmsg":${JSON.stringify(e.errmsg)},"errtype":${e.errtype}}`;
}

/**
 * The RpcError an exception response means to the caller. Business exceptions keep their
 * message as it was thrown; framework and service errors are typed by code (and, where Java and
 * Go share one code for both, by what the message says). A missing or unreadable `M_e` is
 * a server error, as Java reads it ("default remote exception").
 */
export function errorFromException(json: string | undefined): RpcError {
  let e: { errcode?: unknown; errmsg?: unknown; errtype?: unknown } | undefined;
  try {
    const parsed: unknown = json === undefined ? undefined : JSON.parse(json);
    if (typeof parsed === 'object' && parsed !== null) e = parsed;
  } catch {
    // not JSON: handled below
  }
  if (e === undefined) {
    return new RpcError(Code.ServerError, `motan: exception response without a readable M_e${json ? `: ${json.slice(0, 200)}` : ''}`);
  }
  const errcode = typeof e.errcode === 'number' ? e.errcode : Number(e.errcode ?? 0) || 0;
  const errtype = typeof e.errtype === 'number' ? e.errtype : Number(e.errtype ?? 0) || 0;
  const errmsg = typeof e.errmsg === 'string' ? e.errmsg : e.errmsg === undefined || e.errmsg === null ? '' : String(e.errmsg);
  if (errtype === ErrType.BUSINESS) {
    // The caller gets the message as thrown, whichever provider threw it.
    const thrown = errmsg.startsWith(JAVA_BIZ_PREFIX) ? errmsg.slice(JAVA_BIZ_PREFIX.length) : errmsg;
    return new RpcError(Code.Business, thrown, { status: errcode });
  }
  if ((errcode === ErrCode.JAVA_REJECTED || errcode === ErrCode.BUSY) && errmsg.startsWith(STOPPING_PREFIX)) {
    // No status on purpose: to the client pool an error without a peer status says the address
    // itself is going, so it sits out for every reference at once and the call, never executed,
    // is resent elsewhere without drawing on the retry budget (Dubbo's read-only event, in effect).
    return new RpcError(Code.Shutdown, `${errmsg} (motan errcode ${errcode})`);
  }
  return new RpcError(codeFor(errcode, errmsg), errmsg || `motan error ${errcode}`, { status: errcode });
}

/** Java's DefaultProvider ("Service method not exist: …"), Meshlet's ("… has no method …"), motan-go's. */
const METHOD_MISSING = /method not exist|has no method|method not found|no such method/i;

/** What each errcode means to the caller, where the message does not decide; any other is SERVER_ERROR. */
const codeForErrcode = wireTable<number, Code>([
  [Code.BadRequest, ErrCode.JAVA_DECODE_ERROR],
  [Code.PermissionDenied, ErrCode.FORBIDDEN],
  [Code.Unsupported, ErrCode.UNSUPPORTED],
  [Code.ServerBusy, ErrCode.BUSY, ErrCode.JAVA_REJECTED],
  [Code.Timeout, ErrCode.JAVA_TIMEOUT],
  [Code.Unavailable, ErrCode.GO_NO_ENDPOINTS, ErrCode.GO_NO_CHANNEL],
  [Code.BadResponse, ErrCode.JAVA_ENCODE_ERROR],
], Code.ServerError);

function codeFor(errcode: number, errmsg: string): Code {
  if (errcode === ErrCode.NOT_FOUND || errcode === ErrCode.JAVA_SERVICE_NOT_FOUND) {
    // Only what says the method is missing: Java's router names the method of a request for a
    // missing service too ("provider not exist serviceKey=… method=nope(java.lang.String)").
    return METHOD_MISSING.test(errmsg) ? Code.MethodNotFound : Code.ServiceNotFound;
  }
  if (errcode === ErrCode.BAD_REQUEST) {
    // The agent answers an unknown service with 400 "cluster not found".
    return /not found|not exist/i.test(errmsg) ? Code.ServiceNotFound : Code.BadRequest;
  }
  return codeForErrcode(errcode);
}
