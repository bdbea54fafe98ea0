import type { MethodSpec } from './service.js';
import type { DecodedOf, TypeDesc, TypeOf } from './types.js';

/**
 * Compile-time agreement between an `@RpcMethod`'s descriptors and the method it decorates.
 *
 * The rules are the ones a provider needs at run time, so a decorated class is a correct contract
 * and a correct implementation at once:
 * - the method takes exactly as many parameters as there are descriptors (optional and rest
 *   parameters count if they can take that many), because every argument arrives on the wire;
 * - each parameter accepts what the decoder produces (`DecodedOf`): a parameter may be wider
 *   (`number | null` for `t.int32`), never narrower (`number` for `t.nullable(t.int32)`);
 * - the result, awaited or not, fits what the encoder accepts (`TypeOf`): a result may be narrower
 *   (`'a' | 'b'` for `t.string`), never wider; no `returns` (or `oneway`) means `void`;
 * - `stream: true` methods return an `AsyncIterable` of the item type (or a promise of one).
 *
 * A spec whose `params` is not a tuple (typed `MethodSpec`, not a literal) is not checked.
 *
 * `MethodMismatch` is `never` when the method agrees; otherwise an object type whose property
 * names read as the error, shown by tsc as "... not assignable to parameter of type '{ ... }'".
 */
export type MethodMismatch<S extends MethodSpec, V> = V extends (...args: infer A) => any
  // A spec typed as a plain `MethodSpec` (built at run time, say) says nothing to check against.
  ? number extends S['params']['length'] ? never
  : S['params']['length'] extends A['length']
    ? V extends Expected<S>
      ? never
      : {
          '@RpcMethod: the method does not match its descriptors; its parameters must accept': Params<S['params']>;
          'and it must return': Returns<S>;
        }
    : { '@RpcMethod: wrong number of parameters; the descriptors declare': S['params']['length'] }
  : { '@RpcMethod: applies to methods only': V };

/** What the provider's method receives, parameter by parameter. */
type Params<P extends readonly TypeDesc<any, any>[]> = { -readonly [I in keyof P]: DecodedOf<P[I]> };
type Result<S extends MethodSpec> = S['returns'] extends TypeDesc<any, any> ? TypeOf<S['returns']> : void;
type Returns<S extends MethodSpec> = S extends { readonly stream: true | 'server' | 'bidi' }
  ? AsyncIterable<Result<S>> | Promise<AsyncIterable<Result<S>>>
  : Result<S> | Promise<Result<S>>;
type Expected<S extends MethodSpec> = (...args: Params<S['params']>) => Returns<S>;
