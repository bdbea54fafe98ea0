import { Code, RpcError } from './errors.js';
import { methodDefinition, serviceDefinition, type MethodSpec, type ServiceDefinition, type ServiceOptions } from './service.js';
import type { MethodMismatch } from './decorator-types.js';

/**
 * `@RpcService` and `@RpcMethod` work under both TypeScript decorator modes: the TC39 standard
 * (`(value, context)`) and `experimentalDecorators` (`(target, key, descriptor)`), which NestJS and
 * Midway users compile with. They record explicit type descriptors only: neither mode gives
 * reliable runtime types (esbuild and tsx drop `design:*` metadata).
 */

// tsc emits `context.metadata` only when Symbol.metadata exists; Node 20 lacks it. This is the key
// esbuild's and TypeScript's helpers fall back to, so all toolchains agree on it.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

const METHODS = Symbol('meshlet.methods');
const definitions = new WeakMap<object, ServiceDefinition>();
/** experimentalDecorators: method decorators run before the class decorator, keyed by prototype. */
const legacyMethods = new WeakMap<object, Map<string, MethodSpec>>();

type AnyFn = (...args: any[]) => any;
type Ctor = abstract new (...args: any[]) => any;

function ownMethods(metadata: Record<PropertyKey, unknown>): Map<string, MethodSpec> {
  // Metadata objects inherit from the parent class's: copy before writing so a subclass never
  // adds methods to its parent's service.
  if (!Object.hasOwn(metadata, METHODS)) {
    metadata[METHODS] = new Map(metadata[METHODS] as Map<string, MethodSpec> | undefined);
  }
  return metadata[METHODS] as Map<string, MethodSpec>;
}

/**
 * Marks a method as an RPC method with explicit Java types. The method's TypeScript signature is
 * checked against the descriptors at compile time (see `decorator-types.ts`): a mismatch is a
 * compile error naming the parameter and result types the descriptors stand for.
 */
export function RpcMethod<const S extends MethodSpec>(spec: S) {
  // TC39 decorators: `V` is inferred from the context, then `value` must pass the check.
  function decorator<This, V extends (this: This, ...args: any) => any>(
    value: NoInfer<MethodMismatch<S, V>> extends never ? V : NoInfer<MethodMismatch<S, V>>,
    context: ClassMethodDecoratorContext<This, V>,
  ): void;
  // experimentalDecorators: the descriptor carries the method type; the check rides on `key`,
  // the only argument whose type we are free to narrow.
  function decorator<V extends AnyFn>(
    target: object,
    key: NoInfer<MethodMismatch<S, V>> extends never ? string | symbol : NoInfer<MethodMismatch<S, V>>,
    descriptor: TypedPropertyDescriptor<V>,
  ): void;
  function decorator(target: unknown, context: unknown, descriptor?: unknown): void {
    if (isStandardContext(context)) {
      if (context.kind !== 'method' || context.static || context.private || typeof context.name !== 'string') {
        throw new RpcError(Code.InvalidArgument, '@RpcMethod applies to public instance methods with string names');
      }
      ownMethods(context.metadata as Record<PropertyKey, unknown>).set(context.name, spec);
      return;
    }
    if (typeof context !== 'string' || typeof target !== 'object' || target === null || descriptor === undefined) {
      throw new RpcError(Code.InvalidArgument, '@RpcMethod applies to public instance methods with string names');
    }
    let methods = legacyMethods.get(target);
    if (!methods) legacyMethods.set(target, (methods = new Map()));
    methods.set(context, spec);
  }
  return decorator;
}

/** Marks a class as an RPC service (a contract to refer, an implementation to provide, or both). */
export function RpcService(options: ServiceOptions) {
  function decorator<C extends Ctor>(value: C, context: ClassDecoratorContext<C>): void;
  function decorator<C extends Ctor>(target: C): void;
  function decorator(target: Ctor, context?: unknown): void {
    let specs: Map<string, MethodSpec>;
    if (isStandardContext(context)) {
      specs = (context.metadata?.[METHODS] as Map<string, MethodSpec> | undefined) ?? new Map();
    } else {
      specs = new Map(inheritedLegacyMethods(target.prototype));
    }
    const methods = [...specs].map(([key, spec]) => methodDefinition(key, spec));
    if (methods.length === 0) {
      throw new RpcError(Code.InvalidArgument, `@RpcService ${options.interface}: no @RpcMethod on the class`);
    }
    definitions.set(target, serviceDefinition(options, methods));
  }
  return decorator;
}

function inheritedLegacyMethods(proto: object | null): Map<string, MethodSpec> {
  if (proto === null || proto === Object.prototype) return new Map();
  const merged = inheritedLegacyMethods(Object.getPrototypeOf(proto));
  for (const [k, v] of legacyMethods.get(proto) ?? []) merged.set(k, v);
  return merged;
}

function isStandardContext(x: unknown): x is DecoratorContext {
  return typeof x === 'object' && x !== null && 'kind' in x;
}

/**
 * The service definition of a decorated class, found on the class or its nearest decorated
 * ancestor (so an implementation may extend a decorated contract class).
 */
export function definitionOfClass(ctor: Function): ServiceDefinition | undefined {
  for (let c: unknown = ctor; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const d = definitions.get(c as object);
    if (d) return d;
  }
  return undefined;
}
