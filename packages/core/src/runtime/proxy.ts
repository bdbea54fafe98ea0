import { Code, RpcError } from '../errors.js';
import { createInvocation } from '../invocation.js';
import { atCallSite } from './call-site.js';
import type { Invoker } from '../interceptor.js';
import type { MethodDefinition, ServiceDefinition } from '../service.js';

const NO_OPTIONS: { attachments?: Record<string, string> } = Object.freeze({});

export interface CallDefaults {
  readonly timeout: number;
  readonly attachments?: Readonly<Record<string, string>>;
  /**
   * The reference's protocol's `Protocol.streams`: false, stream methods fail with UNSUPPORTED,
   * unsent; true, client and bidi streams do (only `'all'` carries them).
   */
  readonly streams?: boolean | 'all';
}

/**
 * A plain object with one async function per method (an `AsyncIterable` factory for stream
 * methods). Built once per reference: each function closes over its method definition, so a call
 * does no lookup.
 */
export function createProxy(definition: ServiceDefinition, invoker: Invoker, defaults: CallDefaults): Record<string, (...args: unknown[]) => Promise<unknown> | AsyncIterable<unknown>> {
  const proxy: Record<string, (...args: unknown[]) => Promise<unknown> | AsyncIterable<unknown>> = Object.create(null);
  // Made once: createInvocation copies the attachments into each call's own object.
  const options = defaults.attachments ? { attachments: defaults.attachments } : NO_OPTIONS;
  for (const method of definition.methods.values()) {
    const arity = method.params.length;
    if (method.stream) {
      proxy[method.key] = (...args: unknown[]) => streamOf(definition, method, invoker, defaults, args);
      continue;
    }
    const clientStreamRefused = method.streaming === 'client' && defaults.streams !== 'all';
    // A failure's stack is the awaiting caller's (see call-site.ts): from the rejection handler,
    // V8 follows the promise chain to the caller's await. Not an async function: that would add
    // a promise and an await to every call.
    const failed = (err: unknown): never => {
      throw atCallSite(err, failed);
    };
    proxy[method.key] = function call(...args: unknown[]): Promise<unknown> {
      let result: Promise<unknown>;
      try {
        if (args.length !== arity) {
          throw new RpcError(Code.InvalidArgument, `${definition.interface}.${method.key} takes ${arity} argument(s), got ${args.length}`);
        }
        if (clientStreamRefused) {
          throw new RpcError(Code.Unsupported, `${definition.interface}.${method.key} is a client-streaming method; this reference's protocol does not carry client streams (tri does)`);
        }
        result = invoker(createInvocation(definition, method, args, options, defaults.timeout));
      } catch (err) {
        // Thrown before anything was awaited: the frames below `call` are the caller's.
        return Promise.reject(atCallSite(err, call));
      }
      return result.then(undefined, failed);
    };
  }
  return Object.freeze(proxy);
}

/**
 * A stream method's result. Cold, like a reactive publisher: each iteration makes one call (its
 * deadline starts then), so an iterable nobody iterates sends nothing. The invoker chain stays
 * the same: it resolves, once the stream is open, to the transport's `AsyncIterable`, and
 * `return()` (a `break` out of `for await`) is passed on, which cancels the call.
 */
function streamOf(definition: ServiceDefinition, method: MethodDefinition, invoker: Invoker, defaults: CallDefaults, args: unknown[]): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<unknown> {
      let opened: Promise<AsyncIterator<unknown> | undefined> | undefined;
      const open = () => (opened ??= (async () => {
        if (args.length !== method.params.length) {
          throw new RpcError(Code.InvalidArgument, `${definition.interface}.${method.key} takes ${method.params.length} argument(s), got ${args.length}`);
        }
        if (defaults.streams === false) {
          throw new RpcError(Code.Unsupported, `${definition.interface}.${method.key} is a stream method; this reference's protocol does not carry streams (rsocket does)`);
        }
        if (method.streaming === 'bidi' && defaults.streams !== 'all') {
          throw new RpcError(Code.Unsupported, `${definition.interface}.${method.key} is a bidi-streaming method; this reference's protocol does not carry client streams (tri does)`);
        }
        const options = defaults.attachments ? { attachments: { ...defaults.attachments } } : {};
        const result = await invoker(createInvocation(definition, method, args, options, defaults.timeout));
        // `failsafe` turns failures into undefined: for a stream, no items.
        if (result === undefined) return undefined;
        if (typeof (result as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] !== 'function') {
          throw new RpcError(Code.Unsupported, `${definition.interface}.${method.key} is a stream method, but the call returned a single value: the protocol does not carry streams`);
        }
        return (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      })());
      return {
        async next() {
          const it = await open();
          return it === undefined ? { done: true, value: undefined } : it.next();
        },
        async return(value?: unknown) {
          // Not opened yet: nothing to cancel and nothing to send.
          if (opened === undefined) return { done: true, value };
          const it = await opened.catch(() => undefined);
          if (it?.return) await it.return();
          return { done: true, value };
        },
      };
    },
  };
}
