import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { Code, RpcError, endpointAddress, type Endpoint, type Invocation, type Invoker } from '@meshlet/core';
import { isEndpointFailure } from './failure.js';
import { BREAKER_DEFAULTS, type BreakerOptions } from './options.js';
import { acquireRotator, releaseRotator } from './rotator.js';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** Emitted by a BreakerSet with the endpoint whose breaker changed state. */
export interface BreakerEvents {
  open: [endpoint: Endpoint];
  halfOpen: [endpoint: Endpoint];
  close: [endpoint: Endpoint];
}

type Breaker = CircuitBreaker<[Invoker, Invocation], unknown>;

/**
 * opossum calls its action with `fire`'s arguments. One module-level action shared by every
 * breaker, fired with the invoker and the invocation, means a call through a breaker allocates no
 * closure of ours.
 */
function invokeThrough(invoker: Invoker, invocation: Invocation): Promise<unknown> {
  return invoker(invocation);
}

class Entry {
  state: BreakerState = 'closed';
  removed = false;
  constructor(
    readonly breaker: Breaker,
    public endpoint: Endpoint,
    readonly address: string,
  ) {}
}

/**
 * One opossum breaker per endpoint, created on an endpoint's first call and shut down when it
 * leaves. The runtime consults it per call:
 *
 * - `allows(endpoint)` before balancing (or `withBreakers(balancer, set)`, which filters for it):
 *   an open breaker takes its endpoint out of the choice; a half-open one admits one probe;
 * - `invoke(endpoint, invoker, invocation)` (or an invoker made once with `wrap`) to send the call
 *   through the breaker, which records its outcome.
 *
 * Configured to cost little per call: no per-call timer (Meshlet owns deadlines: `timeout: false`),
 * no latency percentiles, no snapshots, one process-wide bucket rotator instead of an interval per
 * breaker. Business exceptions do not count as failures.
 */
export class BreakerSet extends EventEmitter<BreakerEvents> {
  private readonly byAddress = new Map<string, Entry>();
  private readonly byEndpoint = new WeakMap<Endpoint, Entry>();
  /** Addresses the runtime says are current; `undefined` until `update` is first called. */
  private members: Set<string> | undefined;
  private readonly breakerOptions: CircuitBreaker.Options<[Invoker, Invocation]>;
  private readonly bucketMs: number;
  private notClosedCount = 0;
  private versionCount = 0;

  constructor(options: BreakerOptions = {}) {
    super();
    const rollingCountTimeout = options.rollingCountTimeout ?? BREAKER_DEFAULTS.rollingCountTimeout;
    const rollingCountBuckets = options.rollingCountBuckets ?? BREAKER_DEFAULTS.rollingCountBuckets;
    const resetTimeout = options.resetTimeout ?? BREAKER_DEFAULTS.resetTimeout;
    for (const [name, v] of Object.entries({ rollingCountTimeout, rollingCountBuckets, resetTimeout })) {
      if (!(Number.isFinite(v) && v > 0)) throw new RpcError(Code.InvalidArgument, `breaker ${name} must be a positive number, got ${v}`);
    }
    this.bucketMs = Math.max(1, Math.floor(rollingCountTimeout / rollingCountBuckets));
    const isFailure = options.isFailure ?? isEndpointFailure;
    this.breakerOptions = {
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage ?? BREAKER_DEFAULTS.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold ?? BREAKER_DEFAULTS.volumeThreshold,
      resetTimeout,
      rollingCountTimeout,
      rollingCountBuckets,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // opossum: a truthy filter means "not a failure" (the call still rejects with the error).
      errorFilter: (err: unknown) => !isFailure(err),
    };
  }

  /** Sends `invocation` to `invoker` through `endpoint`'s breaker. Rejects with UNAVAILABLE (the call never left) while it is open. */
  invoke(endpoint: Endpoint, invoker: Invoker, invocation: Invocation): Promise<unknown> {
    const entry = this.entryFor(endpoint);
    if (entry === undefined) return invoker(invocation); // it has left: nothing to protect or learn
    const breaker = entry.breaker;
    if (breaker.closed) return breaker.fire(invoker, invocation);
    if (!breaker.pendingClose) return Promise.reject(openError(entry));
    // The half-open probe: after this fire the breaker admits nothing until the probe settles.
    const probe = breaker.fire(invoker, invocation);
    this.versionCount++;
    return probe;
  }

  /** An invoker that calls `invoker` through `endpoint`'s breaker. Make it once per endpoint, not per call. */
  wrap(endpoint: Endpoint, invoker: Invoker): Invoker {
    return (invocation) => this.invoke(endpoint, invoker, invocation);
  }

  /** Whether a call to `endpoint` would be let through now. Never creates a breaker. */
  allows(endpoint: Endpoint): boolean {
    const entry = this.peek(endpoint);
    if (entry === undefined) return true;
    const breaker = entry.breaker;
    return breaker.closed || breaker.pendingClose;
  }

  state(endpoint: Endpoint): BreakerState {
    return this.peek(endpoint)?.state ?? 'closed';
  }

  /** Every breaker's state, by endpoint address (for metrics and admin pages). */
  /** `state`, under the name core's `EndpointBreakers` reads for admin views. */
  stateOf(endpoint: Endpoint): BreakerState {
    return this.state(endpoint);
  }

    states(): Map<string, BreakerState> {
    return new Map([...this.byAddress].map(([address, e]) => [address, e.state]));
  }

  /** How many breakers are open or half-open: 0 means every endpoint is allowed, with no lookup. */
  get notClosed(): number {
    return this.notClosedCount;
  }

  /** Changes whenever `allows` may have changed for some endpoint (lets callers cache filtered lists). */
  get version(): number {
    return this.versionCount;
  }

  /** Breakers alive. */
  get size(): number {
    return this.byAddress.size;
  }

  /**
   * The runtime's current endpoint set. Breakers of endpoints not in it are shut down now, and
   * calls to them pass through unprotected from then on.
   */
  update(endpoints: readonly Endpoint[]): void {
    const members = new Set<string>();
    for (const e of endpoints) {
      const address = endpointAddress(e);
      members.add(address);
      const entry = this.byAddress.get(address);
      if (entry !== undefined && entry.endpoint !== e) {
        entry.endpoint = e;
        this.byEndpoint.set(e, entry);
      }
    }
    this.members = members;
    for (const [address, entry] of this.byAddress) if (!members.has(address)) this.shutdown(entry);
  }

  /** Shuts down `endpoint`'s breaker; true if it had one. */
  delete(endpoint: Endpoint): boolean {
    const entry = this.peek(endpoint);
    if (entry === undefined) return false;
    this.members?.delete(entry.address);
    this.shutdown(entry);
    return true;
  }

  /** Shuts down every breaker (their timers with them). The set stays usable. */
  close(): void {
    for (const entry of this.byAddress.values()) this.shutdown(entry);
    this.members = undefined;
  }

  private peek(endpoint: Endpoint): Entry | undefined {
    const known = this.byEndpoint.get(endpoint);
    if (known !== undefined && !known.removed) return known;
    return this.byAddress.get(endpointAddress(endpoint));
  }

  private entryFor(endpoint: Endpoint): Entry | undefined {
    const known = this.peek(endpoint);
    if (known !== undefined) {
      if (known.endpoint !== endpoint) this.byEndpoint.set(endpoint, known);
      return known;
    }
    const address = endpointAddress(endpoint);
    if (this.members !== undefined && !this.members.has(address)) return undefined;
    return this.create(endpoint, address);
  }

  private create(endpoint: Endpoint, address: string): Entry {
    const breaker: Breaker = new CircuitBreaker(invokeThrough, {
      ...this.breakerOptions,
      name: address,
      rotateBucketController: acquireRotator(this.bucketMs),
    });
    const entry = new Entry(breaker, endpoint, address);
    breaker.on('open', () => this.transition(entry, 'open'));
    breaker.on('halfOpen', () => this.transition(entry, 'halfOpen'));
    breaker.on('close', () => this.transition(entry, 'closed'));
    this.byAddress.set(address, entry);
    this.byEndpoint.set(endpoint, entry);
    return entry;
  }

  private transition(entry: Entry, state: BreakerState): void {
    const was = entry.state;
    if (was === state) return;
    entry.state = state;
    if (was === 'closed') this.notClosedCount++;
    else if (state === 'closed') this.notClosedCount--;
    this.versionCount++;
    this.emit(state === 'closed' ? 'close' : state, entry.endpoint);
  }

  private shutdown(entry: Entry): void {
    if (entry.removed) return;
    entry.removed = true;
    if (entry.state !== 'closed') {
      this.notClosedCount--;
      this.versionCount++;
    }
    entry.breaker.shutdown(); // clears its reset timer and detaches it from the rotator
    releaseRotator(this.bucketMs);
    this.byAddress.delete(entry.address);
  }
}

function openError(entry: Entry): RpcError {
  const what = entry.state === 'halfOpen' ? 'half-open (its probe is in flight)' : 'open';
  return new RpcError(Code.Unavailable, `circuit breaker for ${entry.address} is ${what}; the call was not sent`);
}
