import { RpcError } from '../errors.js';

/**
 * Gives an RpcError the stack of the caller's code instead of the engine's.
 *
 * A call's error is made far from the caller: in a socket callback, a timer, the breaker library
 * or the retry loop, none of which the caller can act on. Capturing the caller's stack on every
 * call costs microseconds, so nothing is captured up front: the proxy's function is `async` and
 * calls this from its `catch`, where V8's async stack trace still lists each awaiting caller
 * ("at async handler (app.ts:12:5)"). Dropping every frame up to and including `proxyFn`, and the
 * microtask queue's, leaves only those: the first frame is the line that awaited the call. A caller that chains `.then()`
 * instead of awaiting gets the message with no frames, never engine internals.
 *
 * Errors are copied, not changed: one RpcError (a closed connection's, say) may fail many calls.
 * The peer's own stack, when the protocol carried one, stays on `remoteStack`.
 */
export function atCallSite(err: unknown, proxyFn: Function): unknown {
  if (!(err instanceof RpcError)) return err;
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, proxyFn);
  const stack = site.stack ?? '';
  // After an await, the only sync frame is what ran the continuation (Node's microtask queue):
  // no caller of ours. Before the first await (a refused argument list), sync frames are callers.
  const frames = stack.split('\n').slice(1).filter((f) => !f.includes('node:internal/process/task_queues')).map((f) => `\n${f}`).join('');
  const local = Object.create(Object.getPrototypeOf(err), Object.getOwnPropertyDescriptors(err)) as RpcError;
  Object.defineProperty(local, 'stack', { value: `${err.name}: ${err.message}${frames}`, writable: true, configurable: true, enumerable: false });
  return local;
}
