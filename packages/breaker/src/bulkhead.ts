import {
  Code, RpcError, serviceKeyString, type Interceptor, type Invocation, type MethodDefinition, type ServiceDefinition,
} from '@meshlet/core';

export interface BulkheadOptions {
  /** Calls allowed in flight per key; the next one is refused with SERVER_BUSY. */
  readonly maxConcurrent: number;
  /** A key per service (`group/interface:version`, the default) or per method (`…#method`). */
  readonly scope?: 'service' | 'method';
  /**
   * Limits for particular keys, overriding `maxConcurrent`: a key as above, or a bare interface
   * name (`com.acme.Orders`, `com.acme.Orders#place`) matching every version and group.
   */
  readonly limits?: Readonly<Record<string, number>>;
}

/**
 * One key's counter. Its settle handlers are made once, with the slot, so passing a call through
 * costs an increment, a `then` and a decrement: no closure per call.
 */
class Slot {
  active = 0;
  readonly done: (value: unknown) => unknown;
  readonly fail: (error: unknown) => never;

  constructor(readonly key: string, readonly limit: number) {
    this.done = (value) => {
      this.active--;
      return value;
    };
    this.fail = (error) => {
      this.active--;
      throw error;
    };
  }
}

/**
 * Concurrency limits (bulkheads) per service or per method, usable on either side: as a client
 * interceptor it keeps one slow dependency from holding every pending call, as a server
 * interceptor it refuses work beyond what a method may run at once. A refused call fails at once
 * with `RpcError` code SERVER_BUSY (transports reply with their protocol's "busy" form); there is no
 * queue, so nothing waits and nothing grows.
 */
export class Bulkhead {
  private readonly byKey = new Map<string, Slot>();
  /** Definition objects are stable per reference and per export: key strings are built once. */
  private readonly byDefinition = new WeakMap<MethodDefinition | ServiceDefinition, Slot>();
  private readonly scope: 'service' | 'method';
  private readonly maxConcurrent: number;
  private readonly limits: Readonly<Record<string, number>>;

  constructor(options: BulkheadOptions) {
    this.maxConcurrent = checkLimit('maxConcurrent', options.maxConcurrent);
    this.scope = options.scope ?? 'service';
    this.limits = { ...options.limits };
    for (const [key, limit] of Object.entries(this.limits)) checkLimit(`limits[${JSON.stringify(key)}]`, limit);
  }

  /** The interceptor: refuses a call when its key is full, else counts it until it settles. */
  readonly interceptor: Interceptor = (next) => (invocation) => {
    const slot = this.slotOf(invocation);
    if (slot.active >= slot.limit) return Promise.reject(busy(slot));
    slot.active++;
    let result: Promise<unknown>;
    try {
      result = next(invocation);
    } catch (err) {
      slot.active--;
      throw err;
    }
    return result.then(slot.done, slot.fail);
  };

  /** Takes a place under `key` if one is free. Pair every `true` with one `release(key)`. */
  tryAcquire(key: string): boolean {
    const slot = this.slotFor(key, key);
    if (slot.active >= slot.limit) return false;
    slot.active++;
    return true;
  }

  release(key: string): void {
    const slot = this.byKey.get(key);
    if (slot !== undefined && slot.active > 0) slot.active--;
  }

  /** Calls in flight under `key`. */
  inFlight(key: string): number {
    return this.byKey.get(key)?.active ?? 0;
  }

  private slotOf(invocation: Invocation): Slot {
    const definition = this.scope === 'method' ? invocation.method : invocation.service;
    let slot = this.byDefinition.get(definition);
    if (slot === undefined) {
      const service = serviceKeyString(invocation.service);
      const iface = invocation.service.interface;
      const method = invocation.method.name;
      slot = this.scope === 'method'
        ? this.slotFor(`${service}#${method}`, `${iface}#${method}`)
        : this.slotFor(service, iface);
      this.byDefinition.set(definition, slot);
    }
    return slot;
  }

  private slotFor(key: string, bare: string): Slot {
    let slot = this.byKey.get(key);
    if (slot === undefined) {
      slot = new Slot(key, this.limits[key] ?? this.limits[bare] ?? this.maxConcurrent);
      this.byKey.set(key, slot);
    }
    return slot;
  }
}

/** A bulkhead interceptor in one line: `interceptors: [bulkhead({ maxConcurrent: 100 })]`. */
export function bulkhead(options: BulkheadOptions): Interceptor {
  return new Bulkhead(options).interceptor;
}

function busy(slot: Slot): RpcError {
  return new RpcError(Code.ServerBusy, `concurrency limit reached for ${slot.key}: ${slot.limit} call(s) in flight`);
}

function checkLimit(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RpcError(Code.InvalidArgument, `bulkhead ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
