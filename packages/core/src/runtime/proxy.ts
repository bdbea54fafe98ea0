import { createInvocation } from '../invocation.js';
import type { Invoker } from '../interceptor.js';
import type { ServiceDefinition } from '../service.js';

export interface CallDefaults {
  readonly timeout: number;
  readonly attachments?: Readonly<Record<string, string>>;
}

/**
 * A plain object with one async function per method. Built once per reference: each function
 * closes over its method definition, so a call does no lookup.
 */
export function createProxy(definition: ServiceDefinition, invoker: Invoker, defaults: CallDefaults): Record<string, (...args: unknown[]) => Promise<unknown>> {
  const proxy: Record<string, (...args: unknown[]) => Promise<unknown>> = Object.create(null);
  for (const method of definition.methods.values()) {
    const arity = method.params.length;
    proxy[method.key] = (...args: unknown[]) => {
      if (args.length !== arity) {
        return Promise.reject(new TypeError(`${definition.interface}.${method.key} takes ${arity} argument(s), got ${args.length}`));
      }
      const options = defaults.attachments ? { attachments: { ...defaults.attachments } } : {};
      return invoker(createInvocation(definition, method, args, options, defaults.timeout));
    };
  }
  return Object.freeze(proxy);
}
