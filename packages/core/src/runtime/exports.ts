import { serverCall, serverRejected, telemetryActive } from '../telemetry/tracing.js';
import { Code, RpcError } from '../errors.js';
import { applyInterceptors, type Interceptor, type Invoker } from '../interceptor.js';
import { callContext, type Invocation } from '../invocation.js';
import type { ExportedMethod, Protocol, ServerHandler } from '../protocol.js';
import type { MethodDefinition, ServiceDefinition } from '../service.js';
import { normalizeVersion, serviceKeyString, type ServiceKey } from '../service-key.js';

interface ExportedService {
  readonly definition: ServiceDefinition;
  /** Per protocol it is exported on: methods by Java name (several entries for overloads). */
  readonly byProtocol: ReadonlyMap<string, ReadonlyMap<string, ExportedMethod[]>>;
}

/**
 * How close to the caller's deadline a downstream timeout counts as the caller's. Node's timers
 * count from the event loop's cached time, so a downstream deadline timer can fire before
 * `Date.now()` reaches it by as long as the tick that armed it had run (tens of ms on a loaded
 * machine); within this much, the caller's own timer is about to give the same answer anyway.
 */
const SPENT_SLACK_MS = 50;

/**
 * Whatever the method throws is the method's failure, even an RpcError from a call it made
 * (a downstream timeout is not this provider being busy): only refusals raised by server
 * interceptors, before the method ran, keep their framework codes. One exception: a downstream
 * timeout once the caller's own deadline has passed (or is about to) is the caller's timeout (the budget it
 * handed down ran out), so the reply says TIMEOUT, as Java's TimeoutFilter does, and a caller
 * whose own timer has not fired yet gets the same code it would a moment later.
 */
function asMethodFailure(err: unknown, inv: Invocation): unknown {
  if (!(err instanceof RpcError) || err.code === Code.Business) return err;
  if (err.code === Code.Timeout && Date.now() + SPENT_SLACK_MS >= inv.deadline) return err;
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
    for (const s of this.services.values()) {
      for (const p of s.byProtocol.keys()) out.set(p, [...(out.get(p) ?? []), s.definition]);
    }
    return out;
  }

  /** What the server of one protocol resolves against: only the services exported on it. */
  handlerFor(protocol: string): ServerHandler {
    return {
      resolve: (service, method, signature) => this.resolveOn(protocol, service, method, signature),
      refused: (service, method, err) => {
        if (telemetryActive()) serverRejected(protocol, service, method, err);
      },
    };
  }

  /**
   * Exports `impl` on each protocol. On protocols that carry no streams, the service's stream
   * methods answer UNSUPPORTED and its other methods work as usual.
   */
  add(definition: ServiceDefinition, impl: object, protocols: readonly Protocol[]): void {
    const key = serviceKeyString(definition);
    if (this.services.has(key)) throw new RpcError(Code.InvalidArgument, `service ${key} is already provided`);
    const chains = new Map<MethodDefinition, Invoker>();
    for (const method of definition.methods.values()) {
      const fn = (impl as Record<string, unknown>)[method.key];
      if (typeof fn !== 'function') {
        throw new RpcError(Code.InvalidArgument, `service ${key}: the implementation has no method ${method.key}`);
      }
      // Not an async function: a method that returns a value (or its own promise) settles through
      // one promise instead of an async frame plus an await, per call.
      const target: Invoker = (inv: Invocation) => callContext.run(inv, () => {
        let result: unknown;
        try {
          result = fn.apply(impl, inv.args);
        } catch (err) {
          return Promise.reject(asMethodFailure(err, inv));
        }
        // A primitive cannot be a thenable: nothing can fail after this point.
        if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return Promise.resolve(result);
        return Promise.resolve(result).then(undefined, (err: unknown) => {
          throw asMethodFailure(err, inv);
        });
      });
      chains.set(method, applyInterceptors(target, this.interceptors));
    }
    const byProtocol = new Map<string, Map<string, ExportedMethod[]>>();
    for (const { name: protocol, streams } of protocols) {
      const byName = new Map<string, ExportedMethod[]>();
      for (const [method, methodChain] of chains) {
        const clientStreams = method.streaming === 'client' || method.streaming === 'bidi';
        const chain: Invoker = method.stream && !streams
          ? () => Promise.reject(new RpcError(Code.Unsupported, `${definition.interface}.${method.name} is a stream method; ${protocol} does not carry streams (rsocket does)`))
          : clientStreams && streams !== 'all'
            ? () => Promise.reject(new RpcError(Code.Unsupported, `${definition.interface}.${method.name} is a ${method.streaming}-streaming method; ${protocol} does not carry client streams (tri does)`))
            : methodChain;
        // The SERVER span wraps the interceptors too: their time is the request's time.
        const invoke: Invoker = (inv) => (telemetryActive() ? serverCall(inv, protocol, () => chain(inv)) : chain(inv));
        const exported: ExportedMethod = { service: definition, method, invoke };
        const list = byName.get(method.name);
        if (list) list.push(exported);
        else byName.set(method.name, [exported]);
      }
      byProtocol.set(protocol, byName);
    }
    this.services.set(key, { definition, byProtocol });
  }

  /** Resolves against the service's first protocol (for callers that are not a protocol's server). */
  resolve(service: ServiceKey, method: string, signature?: string | readonly string[]): ExportedMethod {
    return this.resolveOn(undefined, service, method, signature);
  }

  private resolveOn(protocol: string | undefined, service: ServiceKey, method: string, signature?: string | readonly string[]): ExportedMethod {
    const key = serviceKeyString({ interface: service.interface, version: normalizeVersion(service.version), group: service.group || undefined });
    const found = this.services.get(key);
    const methods = found === undefined ? undefined
      : protocol === undefined ? found.byProtocol.values().next().value : found.byProtocol.get(protocol);
    if (methods === undefined) {
      throw new RpcError(Code.ServiceNotFound, `Not found exported service: ${key}${this.hint(service)}`);
    }
    const candidates = methods.get(method);
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
