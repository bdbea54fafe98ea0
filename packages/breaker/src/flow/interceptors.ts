import type { Interceptor, Invocation, Invoker, MethodDefinition, ServiceDefinition } from '@meshlet/core';
import { REFUSE } from './controllers.js';
import type { FlowRules, ResourceEntry } from './flow-rules.js';
import { FlowRefusedError, sentinelStyleRefusal } from './refusal.js';
import { flowResourceNames, type FlowResourceNaming, type FlowSide } from './resource-names.js';

export interface FlowInterceptorOptions {
  /** How resources are named (Sentinel's Dubbo adapter options: prefixes, group and version). */
  readonly naming?: FlowResourceNaming;
  /**
   * The caller's application on the provider side, which `limitApp` is matched against. By
   * default as Sentinel's Dubbo 3 adapter reads it: the `remote.application` attachment (what
   * Dubbo consumers, Meshlet's included, send), else `dubboApplication` (what the adapter's
   * consumer filter adds), else none ('').
   */
  readonly origin?: (invocation: Invocation) => string;
  /**
   * How a provider refuses: `busy` (the default) answers SERVER_BUSY in the protocol's "overloaded"
   * form; `sentinel` answers exactly as Sentinel's Dubbo adapter does, a business exception
   * `java.lang.RuntimeException: SentinelBlockException: FlowException` (Java consumers that catch
   * that keep working; failover does not retry it).
   */
  readonly refusal?: 'busy' | 'sentinel';
  /**
   * Consumer side: this application's name, sent as the `dubboApplication` attachment as
   * Sentinel's `DubboAppContextFilter` does, for Java providers on the Dubbo 2.7 adapter (which
   * reads only that one).
   */
  readonly application?: string;
}

/** The two resources of one method on one side, and its settle handlers (made once, by what was held). */
class Pair {
  private readonly done: ((value: unknown) => unknown)[] = [];
  private readonly fail: ((error: unknown) => never)[] = [];

  constructor(private readonly flow: FlowRules, readonly iface: ResourceEntry, readonly method: ResourceEntry) {}

  /** Counts a passing call on both resources; returns what it holds in flight (interface bits 0-1, method 2-3). */
  record(origin: string, now: number): number {
    let held = 0;
    if (this.iface.counted) held = this.flow.record(this.iface, origin, now);
    if (this.method.counted) held |= this.flow.record(this.method, origin, now) << 2;
    return held;
  }

  release(origin: string, held: number): void {
    if ((held & 3) !== 0) this.flow.leave(this.iface, origin, held & 3);
    if ((held >> 2) !== 0) this.flow.leave(this.method, origin, held >> 2);
  }

  settled(result: Promise<unknown>, origin: string, held: number): Promise<unknown> {
    // Per-caller in-flight counts need the caller at the end: a closure, only for those rules.
    if ((held & 0b1010) !== 0) {
      return result.then((value) => {
        this.release(origin, held);
        return value;
      }, (error: unknown) => {
        this.release(origin, held);
        throw error;
      });
    }
    let done = this.done[held];
    let fail = this.fail[held];
    if (done === undefined || fail === undefined) {
      this.done[held] = done = (value) => {
        this.release('', held);
        return value;
      };
      this.fail[held] = fail = (error) => {
        this.release('', held);
        throw error;
      };
    }
    return result.then(done, fail);
  }
}

const PROVIDER = 0;
const CONSUMER = 1;

/** The interceptors of a `FlowRules`: find the call's resources (once per method), enter both, go on. */
export class FlowInterceptors {
  readonly server: Interceptor;
  readonly client: Interceptor;
  // Weak both ways: definitions made on the fly (generic calls, relays) take their pairs with them.
  private readonly pairs = [new WeakMap<ServiceDefinition, WeakMap<MethodDefinition, Pair>>(), new WeakMap<ServiceDefinition, WeakMap<MethodDefinition, Pair>>()];
  private readonly naming: FlowResourceNaming;
  private readonly originOf: (invocation: Invocation) => string;
  private readonly sentinelRefusal: boolean;
  private readonly application: string | undefined;

  constructor(private readonly flow: FlowRules, options: FlowInterceptorOptions) {
    this.naming = options.naming ?? {};
    this.originOf = options.origin ?? defaultOrigin;
    this.sentinelRefusal = options.refusal === 'sentinel';
    this.application = options.application;
    this.server = (next) => (invocation) => this.run(next, invocation, PROVIDER);
    this.client = (next) => (invocation) => {
      if (this.application !== undefined && invocation.attachments.dubboApplication === undefined) {
        invocation.attachments.dubboApplication = this.application;
      }
      return this.run(next, invocation, CONSUMER);
    };
  }

  private run(next: Invoker, invocation: Invocation, side: number): Promise<unknown> {
    const pair = this.pairOf(invocation, side);
    const iface = pair.iface;
    const method = pair.method;
    if (!iface.counted && !method.counted) return next(invocation);
    const flow = this.flow;
    const origin = side === PROVIDER ? this.originOf(invocation) : '';
    const now = flow.clock();
    let wait = 0;
    // The interface first, then the method, as the adapters enter them. A call the method's
    // rules refuse still counts as the interface's pass (Sentinel's interface entry has passed by
    // then) but holds no place in flight there.
    if (iface.counted) {
      wait = flow.check(iface, origin, now);
      if (wait === REFUSE) return this.refuse(iface, origin, side);
    }
    if (method.counted) {
      const r = flow.check(method, origin, now);
      if (r === REFUSE) {
        if (iface.counted) {
          const held = flow.record(iface, origin, now);
          if (held !== 0) pair.release(origin, held);
        }
        return this.refuse(method, origin, side);
      }
      if (r > wait) wait = r;
    }
    if (wait > 0) return this.queued(next, invocation, pair, origin, wait);
    const held = pair.record(origin, now);
    if (held === 0) return next(invocation);
    return this.invoke(next, invocation, pair, origin, held);
  }

  private invoke(next: Invoker, invocation: Invocation, pair: Pair, origin: string, held: number): Promise<unknown> {
    let result: Promise<unknown>;
    try {
      result = next(invocation);
    } catch (err) {
      pair.release(origin, held);
      throw err;
    }
    return pair.settled(result, origin, held);
  }

  /** The rate limiter's queue: the call goes on once its turn comes (at most maxQueueingTimeMs). */
  private queued(next: Invoker, invocation: Invocation, pair: Pair, origin: string, wait: number): Promise<unknown> {
    return new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => {
      // Counted once its turn comes, as Sentinel counts a call after the controller's sleep.
      const held = pair.record(origin, this.flow.clock());
      return held === 0 ? next(invocation) : this.invoke(next, invocation, pair, origin, held);
    });
  }

  private refuse(entry: ResourceEntry, origin: string, side: number): Promise<never> {
    const error = FlowRefusedError.of(entry.name, entry.refusedBy!, origin);
    return Promise.reject(side === PROVIDER && this.sentinelRefusal ? sentinelStyleRefusal(error) : error);
  }

  private pairOf(invocation: Invocation, side: number): Pair {
    const byService = this.pairs[side]!;
    let byMethod = byService.get(invocation.service);
    if (byMethod === undefined) byService.set(invocation.service, (byMethod = new WeakMap()));
    let pair = byMethod.get(invocation.method);
    if (pair === undefined) {
      const names = flowResourceNames(invocation.service, invocation.method, side === PROVIDER ? 'provider' : 'consumer', this.naming);
      pair = new Pair(this.flow, this.flow.resource(names.interface), this.flow.resource(names.method));
      byMethod.set(invocation.method, pair);
    }
    return pair;
  }
}

function defaultOrigin(invocation: Invocation): string {
  const a = invocation.attachments;
  return a['remote.application'] || a.dubboApplication || '';
}
