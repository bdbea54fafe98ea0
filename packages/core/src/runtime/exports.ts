import { callContext } from '../call-context.js';
import { serverCall, telemetryActive } from '../telemetry/tracing.js';
import { Code, RpcError } from '../errors.js';
import { applyInterceptors, type Interceptor, type Invoker } from '../interceptor.js';
import type { Invocation } from '../invocation.js';
import type { ExportedMethod, ServerHandler } from '../protocol.js';
import type { ServiceDefinition } from '../service.js';
import { normalizeVersion, serviceKeyString, type ServiceKey } from '../service-key.js';

interface ExportedService {
  readonly definition: ServiceDefinition;
  /** The protocol it is exported on. */
  readonly protocol: string;
  /** By Java method name; several entries for overloads. */
  readonly byName: Map<string, ExportedMethod[]>;
}

/**
 * Whatever the method throws is the method's failure, even an RpcError from a call it made
 * (a downstream timeout is not this provider being busy): only refusals raised by server
 * interceptors, before the method ran, keep their framework codes.
 */
function asMethodFailure(err: unknown): unknown {
  if (!(err instanceof RpcError) || err.code === Code.Business) return err;
  return new RpcError(Code.Business, err.message, { cause: err, remoteClass: err.remoteClass ?? 'org.apache.dubbo.rpc.RpcException' });
}

/**
 * The table of exported services: what a server transport resolves incoming calls against.
 * Every method's invoker (server interceptors around the implementation) is built once here,
 * not per call.
 */
export class ExportTable implements ServerHandler {
  private readonly services = new Map<string, ExportedService>();

  constructor(private readonly interceptors: readonly Interceptor[]) {}

  get definitions(): ServiceDefinition[] {
    return [...this.services.values()].map((s) => s.definition);
  }

  /** Exported definitions grouped by protocol. */
  byProtocol(): Map<string, ServiceDefinition[]> {
    const out = new Map<string, ServiceDefinition[]>();
    for (const s of this.services.values()) out.set(s.protocol, [...(out.get(s.protocol) ?? []), s.definition]);
    return out;
  }

  add(definition: ServiceDefinition, impl: object, protocol: string): void {
    const key = serviceKeyString(definition);
    if (this.services.has(key)) throw new RpcError(Code.InvalidArgument, `service ${key} is already provided`);
    const byName = new Map<string, ExportedMethod[]>();
    for (const method of definition.methods.values()) {
      const fn = (impl as Record<string, unknown>)[method.key];
      if (typeof fn !== 'function') {
        throw new RpcError(Code.InvalidArgument, `service ${key}: the implementation has no method ${method.key}`);
      }
      const target: Invoker = (inv: Invocation) => callContext.run(inv, async () => {
        try {
          return await fn.apply(impl, inv.args);
        } catch (err) {
          throw asMethodFailure(err);
        }
      });
      const chain = applyInterceptors(target, this.interceptors);
      // The SERVER span wraps the interceptors too: their time is the request's time.
      const invoke: Invoker = (inv) => (telemetryActive() ? serverCall(inv, protocol, () => chain(inv)) : chain(inv));
      const exported: ExportedMethod = { service: definition, method, invoke };
      const list = byName.get(method.name);
      if (list) list.push(exported);
      else byName.set(method.name, [exported]);
    }
    this.services.set(key, { definition, protocol, byName });
  }

  resolve(service: ServiceKey, method: string, signature?: string | readonly string[]): ExportedMethod {
    const key = serviceKeyString({ interface: service.interface, version: normalizeVersion(service.version), group: service.group || undefined });
    const exported = this.services.get(key);
    if (exported === undefined) {
      throw new RpcError(Code.ServiceNotFound, `Not found exported service: ${key}${this.hint(service)}`);
    }
    const candidates = exported.byName.get(method);
    if (candidates === undefined) {
      throw new RpcError(Code.MethodNotFound, `service ${key} has no method ${method}`);
    }
    if (signature === undefined) return candidates[0]!;
    const match = candidates.find((c) =>
      typeof signature === 'string'
        ? c.method.paramDescriptor === signature
        : c.method.paramTypes.length === signature.length && c.method.paramTypes.every((p, i) => p === signature[i]),
    );
    if (match === undefined) {
      const wanted = typeof signature === 'string' ? signature : signature.join(',');
      const have = candidates.map((c) => `(${c.method.paramTypes.join(', ')})`).join(' or ');
      throw new RpcError(Code.MethodNotFound, `service ${key} has no method ${method} with parameter types ${wanted || '()'}; it has ${method}${have}`);
    }
    return match;
  }

  /** Version and group mismatches are the most common reason for "not found": say which. */
  private hint(service: ServiceKey): string {
    const sameInterface = this.definitions.filter((d) => d.interface === service.interface);
    if (sameInterface.length === 0) return '';
    return ` (provided here: ${sameInterface.map((d) => serviceKeyString(d)).join(', ')})`;
  }
}
