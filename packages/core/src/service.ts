import { Code, RpcError } from './errors.js';
import { toJvmDescriptor } from './java-names.js';
import { normalizeVersion, type ServiceKey } from './service-key.js';
import { t, type TypeDesc, type TypeOf } from './types.js';

/** How a method is declared: parameter and result descriptors plus call options. */
export interface MethodSpec {
  readonly params: readonly TypeDesc[];
  /** Result type; omitted means `void`. */
  readonly returns?: TypeDesc;
  /** Fire-and-forget: the caller does not wait for (and the peer sends no) response. */
  readonly oneway?: boolean;
  /** Default timeout for calls of this method, in ms. */
  readonly timeout?: number;
  /** Safe to run twice: failover may retry it after a send, forking may run it on several providers. */
  readonly idempotent?: boolean;
  /** The Java method name, when it differs from the JS property (Java overloads share one name). */
  readonly name?: string;
  /**
   * A streaming method. `true` or `'server'`: returns a stream — `returns` is the item type,
   * clients get an `AsyncIterable` of items and implementations return one (an async generator,
   * say). `'client'`: takes a stream — the one parameter is the item type, callers pass an
   * `AsyncIterable` of items and get one result. `'bidi'`: both. Only protocols that carry streams
   * (`Protocol.streams`) call or serve them: server streams need `true` (RSocket, Triple),
   * client and bidi streams `'all'` (Triple); the others refuse them with UNSUPPORTED.
   */
  readonly stream?: boolean | StreamKind;
}

/** How a method streams (`MethodSpec.stream`). */
export type StreamKind = 'server' | 'client' | 'bidi';

/** A method as the runtime and the transports see it: the spec plus precomputed Java signatures. */
export interface MethodDefinition {
  /** The JS property name on clients and implementations. */
  readonly key: string;
  /** The Java method name on the wire. */
  readonly name: string;
  readonly params: readonly TypeDesc[];
  readonly returns: TypeDesc;
  readonly oneway: boolean;
  readonly timeout: number | undefined;
  readonly idempotent: boolean;
  /** The result is an `AsyncIterable` of `returns` values: a server or bidi stream (see `MethodSpec.stream`). */
  readonly stream: boolean;
  /** How the method streams: `unary`, or the `StreamKind` its spec gave (`true` is `server`). */
  readonly streaming: 'unary' | StreamKind;
  /** Parameter types as `Class.getName()` spells them (SOFARPC's `methodArgSigs`). */
  readonly paramTypes: readonly string[];
  /** Parameter types as concatenated JVM descriptors (Dubbo's parameter-types field). */
  readonly paramDescriptor: string;
}

export interface ServiceOptions {
  /** The Java interface name, e.g. `org.apache.dubbo.demo.DemoService`. */
  readonly interface: string;
  readonly version?: string;
  /** Dubbo group / SOFA uniqueId / Motan group. */
  readonly group?: string;
  /**
   * Which protocol to export on and refer with when not configured elsewhere (`dubbo`, `bolt`, ...).
   * A list exports the service on each (one implementation, several protocols) and refers with the first.
   */
  readonly protocol?: string | readonly string[];
  /** Default per-call timeout (ms) for the service's methods. */
  readonly timeout?: number;
}

export interface ServiceDefinition extends ServiceKey {
  /** The protocol references use by default (the first of `protocols`). */
  readonly protocol: string | undefined;
  /** Every protocol the service is exported on, when more than one was named. */
  readonly protocols: readonly string[] | undefined;
  readonly timeout: number | undefined;
  /** Methods by JS key. */
  readonly methods: ReadonlyMap<string, MethodDefinition>;
}

type ArgsOf<P extends readonly TypeDesc[]> = { -readonly [I in keyof P]: TypeOf<P[I]> };
type ResultOf<S extends MethodSpec> = S['returns'] extends TypeDesc ? TypeOf<S['returns']> : void;

/** A service definition that remembers the TypeScript shape of its methods. */
export interface TypedServiceDefinition<M extends Record<string, MethodSpec>> extends ServiceDefinition {
  readonly __methods?: M;
}

/** Streams results: `stream: true`, `'server'` or `'bidi'`. */
type StreamsOut<S extends MethodSpec> = S extends { readonly stream: true | 'server' | 'bidi' } ? true : false;
/** Arguments: an `AsyncIterable` of the one parameter's type for client and bidi streams. */
type CallArgs<S extends MethodSpec> = S extends { readonly stream: 'client' | 'bidi' }
  ? [items: AsyncIterable<TypeOf<S['params'][0]>>]
  : ArgsOf<S['params']>;

/** The client of a definition made with `defineService`: a promise per call, an `AsyncIterable` for stream methods. */
export type ClientOfSpec<M extends Record<string, MethodSpec>> = {
  [K in keyof M]: (...args: CallArgs<M[K]>) => StreamsOut<M[K]> extends true ? AsyncIterable<ResultOf<M[K]>> : Promise<ResultOf<M[K]>>;
};

/** What an implementation of a definition made with `defineService` provides. */
export type ImplOfSpec<M extends Record<string, MethodSpec>> = {
  [K in keyof M]: (...args: CallArgs<M[K]>) => StreamsOut<M[K]> extends true
    ? AsyncIterable<ResultOf<M[K]>> | Promise<AsyncIterable<ResultOf<M[K]>>>
    : ResultOf<M[K]> | Promise<ResultOf<M[K]>>;
};

export function methodDefinition(key: string, spec: MethodSpec): MethodDefinition {
  if (!Array.isArray(spec.params)) {
    throw new RpcError(Code.InvalidArgument, `method ${key}: params must be an array of type descriptors`);
  }
  const paramTypes = spec.params.map((p, i) => {
    if (!p || typeof p.javaType !== 'string') {
      throw new RpcError(Code.InvalidArgument, `method ${key}: parameter ${i} is not a type descriptor`);
    }
    return p.javaType;
  });
  const streaming = spec.stream === true ? 'server' : spec.stream === false || spec.stream === undefined ? 'unary' : spec.stream;
  if (streaming !== 'unary' && streaming !== 'server' && streaming !== 'client' && streaming !== 'bidi') {
    throw new RpcError(Code.InvalidArgument, `method ${key}: stream must be true, 'server', 'client' or 'bidi'`);
  }
  if (streaming !== 'unary' && spec.oneway) {
    throw new RpcError(Code.InvalidArgument, `method ${key}: a stream method cannot be oneway`);
  }
  if ((streaming === 'client' || streaming === 'bidi') && spec.params.length !== 1) {
    throw new RpcError(Code.InvalidArgument, `method ${key}: a ${streaming}-streaming method takes exactly one parameter, the item type`);
  }
  return Object.freeze({
    key,
    name: spec.name ?? key,
    params: Object.freeze([...spec.params]),
    returns: spec.returns ?? t.void,
    oneway: spec.oneway ?? false,
    timeout: spec.timeout,
    idempotent: spec.idempotent ?? false,
    stream: streaming === 'server' || streaming === 'bidi',
    streaming,
    paramTypes: Object.freeze(paramTypes),
    paramDescriptor: paramTypes.map(toJvmDescriptor).join(''),
  });
}

export function serviceDefinition(options: ServiceOptions, methods: Iterable<MethodDefinition>): ServiceDefinition {
  if (!options || typeof options.interface !== 'string' || options.interface === '') {
    throw new RpcError(Code.InvalidArgument, 'a service needs a non-empty `interface` name');
  }
  return Object.freeze({
    interface: options.interface,
    version: normalizeVersion(options.version),
    group: options.group || undefined,
    protocol: typeof options.protocol === 'string' ? options.protocol : options.protocol?.[0],
    protocols: typeof options.protocol === 'string' || options.protocol === undefined ? undefined : Object.freeze([...options.protocol]),
    timeout: options.timeout,
    methods: new Map([...methods].map((m) => [m.key, m])),
  });
}

/**
 * The decorator-free way to declare a service: a plain object in, a typed definition out.
 *
 * ```ts
 * const DemoService = defineService({
 *   interface: 'org.apache.dubbo.demo.DemoService',
 *   methods: { sayHello: { params: [t.string], returns: t.string } },
 * });
 * ```
 */
export function defineService<const M extends Record<string, MethodSpec>>(
  spec: ServiceOptions & { readonly methods: M },
): TypedServiceDefinition<M> {
  const methods = Object.entries(spec.methods).map(([key, m]) => methodDefinition(key, m));
  return serviceDefinition(spec, methods) as TypedServiceDefinition<M>;
}
