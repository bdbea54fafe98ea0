import { Code, RpcError } from '../errors.js';
import { methodDefinition, serviceDefinition, type ServiceDefinition } from '../service.js';
import { t } from '../types.js';
import type { ReferOptions } from '../runtime/refer-options.js';
import type { GenericCall, GenericWireCall } from '../generic-call.js';
import { guessJavaType, typeOfJavaName } from './java-type.js';
import { fromWire, toWire } from './values.js';

/** Where and how to call: the interface plus `refer()`'s addressing options. */
export interface GenericOptions extends Pick<ReferOptions, 'version' | 'group' | 'protocol' | 'url' | 'timeout' | 'attachments'> {
  readonly interface: string;
}

/**
 * A client for a service you have no definition of, as Dubbo's `GenericService` and SOFARPC's
 * `$invoke` offer: name the method, give its Java parameter types and the arguments as plain JS.
 */
export interface GenericService {
  /**
   * Calls `method` with `args`. `paramTypes` are Java type names (`long`, `java.lang.String`,
   * `int[]`, `java.util.List`, `com.acme.User`); pass `undefined` to guess them from the values
   * (`guessJavaType`). POJO arguments are objects with a `class` key naming their Java class;
   * longs are bigints (or integral numbers). The result is plain JS: POJOs as objects with a
   * `class` key where the wire names it, maps as objects, longs as bigints.
   */
  $invoke(method: string, paramTypes: readonly string[] | undefined, args: readonly unknown[]): Promise<unknown>;
}

type Refer = (definition: ServiceDefinition, options: GenericOptions & { readonly attachments?: Readonly<Record<string, string>> }) =>
  Record<string, (...args: unknown[]) => Promise<unknown>>;

/**
 * Builds a GenericService over `refer`: each (method, types) pair becomes a one-method definition,
 * referred once and cached. `wireForm` is the protocol's generic convention (Dubbo's `$invoke`);
 * without one, the call goes as the typed call the types describe, which is byte for byte what a
 * typed Java consumer sends (SOFARPC's generic consumer sends the same, plus a header).
 */
export function genericService(refer: Refer, options: GenericOptions, wireForm?: (call: GenericCall) => GenericWireCall): GenericService {
  const references = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return Object.freeze({
    async $invoke(method: string, paramTypes: readonly string[] | undefined, args: readonly unknown[]): Promise<unknown> {
      if (typeof method !== 'string' || method === '') throw new RpcError(Code.InvalidArgument, 'generic call: the method name must be a non-empty string');
      if (!Array.isArray(args)) throw new RpcError(Code.InvalidArgument, 'generic call: args must be an array');
      const types = paramTypes ?? args.map(guessJavaType);
      if (types.length !== args.length) {
        throw new RpcError(Code.InvalidArgument, `generic call: ${types.length} parameter type(s) for ${args.length} argument(s)`);
      }
      const params = types.map((name, i) => typeOfJavaName(name, args[i]));
      const call: GenericCall = { method, paramTypes: types, params, args };
      const wire = wireForm?.(call) ?? {
        method: { name: method, params, returns: t.any },
        args: args.map((a, i) => toWire(a, params[i]!)),
      };
      const key = `${wire.method.name}(${wire.method.params.map((p) => p.javaType).join(',')})|${JSON.stringify(wire.attachments ?? {})}`;
      let invoke = references.get(key);
      if (invoke === undefined) {
        const definition = serviceDefinition(
          { interface: options.interface, version: options.version, group: options.group, protocol: options.protocol },
          [methodDefinition('call', wire.method)],
        );
        const attachments = wire.attachments ? { ...options.attachments, ...wire.attachments } : options.attachments;
        invoke = refer(definition, { ...options, attachments }).call!;
        references.set(key, invoke);
      }
      return fromWire(await invoke(...wire.args));
    },
  });
}
