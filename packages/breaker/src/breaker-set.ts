import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { Code, RpcError, endpointAddress, type BreakerGate, type Endpoint, type Invocation, type Invoker } from '@meshlet/core';
import { isEndpointFailure } from './failure.js';
import { BREAKER_DEFAULTS, type BreakerOptions } from './options.js';
import { acquireRotator, releaseRotator, type Rotator } from './rotator.js';

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
  /** The opossum breaker, present only while the endpoint has failed within the last window. */
  breaker: Breaker | undefined;
  /**
   * Answered calls per finished bucket while no breaker watches (a ring indexed by rotator ticks;
   * the slot of `tick` itself stays 0).
   */
  readonly ring: Uint32Array;
  /** The rotator tick of the current bucket. */
  tick: number;
  /**
   * Answered calls in the current bucket, kept in the entry and moved into `ring` when the bucket
   * turns: a call touches the ring once per bucket, not every time (over thousands of endpoints
   * the ring is one more cache line per call).
   */
  current = 0;
  /** The rotator tick of the last failure (through a breaker or not). */
  lastFailure = -Infinity;
  /** Made once per endpoint so a healthy call allocates no closure of ours. */
  readonly answered: () => void;
  readonly failed: (err: unknown) => void;
  constructor(
    public endpoint: Endpoint,
    readonly address: string,
    readonly rotator: Rotator,
    buckets: number,
    set: BreakerSet,
  ) {
    this.ring = new Uint32Array(buckets);
    this.tick = rotator.ticks;
    this.answered = () => this.count();
    this.failed = (err: unknown) => set.settledLight(this, err);
  }

  /** One answered call in the current bucket. */
  count(): void {
    if (this.rotator.ticks !== this.tick) this.advance(this.rotator.ticks);
    this.current++;
  }

  /** Answered calls in the window. */
  answeredInWindow(): number {
    this.advance(this.rotator.ticks);
    let sum = this.current;
    for (const n of this.ring) sum += n;
    return sum;
  }

  /** Moves to bucket `now`: the current count goes into the ring, the buckets passed since are emptied. */
  advance(now: number): void {
    if (now === this.tick) return;
    const n = this.ring.length;
    this.ring[this.tick % n] = this.current;
    for (let t = this.tick + 1, last = Math.min(now, this.tick + n); t <= last; t++) this.ring[t % n] = 0;
    this.current = 0;
    this.tick = now;
  }
}

/**
 * One opossum breaker per endpoint that has failed recently. The runtime consults the set per call:
 *
 * - `allows(endpoint)` before balancing (core's directory leaves the endpoint out when false):
 *   an open breaker takes its endpoint out of the choice; a half-open one admits one probe;
 * - `invoke(endpoint, invoker, invocation)` (or an invoker made once with `wrap`) to send the call
 *   through the breaker, which records its outcome.
 *
 * Healthy endpoints do not pay for opossum: until an endpoint's first failure its calls go straight
 * to the invoker and are counted per bucket in a small ring (opossum's `fire` cost 7 % of a
 * consumer's time, plus garbage). The first failure creates the opossum breaker, seeded with the
 * window's answered calls, and the endpoint's calls go through it until a whole window passes with
 * no failure while it is closed; then it is shut down and the endpoint is counted cheaply again.
 * The seeded calls sit in opossum's current bucket, so they leave its window up to one window
 * later than they would have; otherwise the error rate and volume threshold decide exactly as
 * opossum does.
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
  private readonly buckets: number;
  private readonly isFailure: (error: unknown) => boolean;
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
    this.buckets = Math.max(1, Math.round(rollingCountBuckets));
    const isFailure = options.isFailure ?? isEndpointFailure;
    this.isFailure = isFailure;
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
    return this.through(entry, invoker, invocation);
  }

  /** `invoke` once the endpoint's entry is known. */
  private through(entry: Entry, invoker: Invoker, invocation: Invocation): Promise<unknown> {
    if (this.passes(entry)) return this.direct(entry, invoker, invocation);
    const breaker = entry.breaker!;
    if (breaker.closed) return breaker.fire(invoker, invocation);
    if (!breaker.pendingClose) return Promise.reject(openError(entry));
    // The half-open probe: after this fire the breaker admits nothing until the probe settles.
    const probe = breaker.fire(invoker, invocation);
    this.versionCount++;
    return probe;
  }

  /** @internal Whether a call to `entry` goes straight to it: no breaker watches (one closed and quiet for a window is put to sleep here). */
  passes(entry: Entry): boolean {
    const breaker = entry.breaker;
    return breaker === undefined || (breaker.closed && this.quiet(entry));
  }

  /** A call to a healthy endpoint: sent as is, its outcome counted on the side. */
  private direct(entry: Entry, invoker: Invoker, invocation: Invocation): Promise<unknown> {
    let sent: Promise<unknown>;
    try {
      sent = invoker(invocation);
    } catch (err) {
      sent = Promise.reject(err); // as opossum would report a throwing action
    }
    sent.then(entry.answered, entry.failed);
    return sent;
  }

  /**
   * Whether `entry`'s closed breaker saw no failure for a whole window; if so it is shut down
   * (its answered calls carried into the ring) and the endpoint goes back to cheap counting.
   */
  private quiet(entry: Entry): boolean {
    if (entry.rotator.ticks - entry.lastFailure <= this.buckets) return false;
    const breaker = entry.breaker!;
    entry.breaker = undefined;
    const carried = breaker.stats.successes;
    breaker.shutdown();
    entry.advance(entry.rotator.ticks);
    entry.current += carried;
    return true;
  }

  /** @internal The failure side of a direct call (from `Entry`): a counted failure wakes the endpoint's breaker. */
  settledLight(entry: Entry, err: unknown): void {
    if (!this.isFailure(err)) {
      entry.count(); // opossum counts a filtered error as a success too
      return;
    }
    if (entry.removed) return;
    entry.lastFailure = entry.rotator.ticks;
    const breaker = entry.breaker ?? this.wake(entry);
    const bucket = breaker.status.window[0];
    if (bucket === undefined) return;
    bucket.fires++;
    bucket.failures++;
    if (!breaker.closed) return; // a straggler sent before the breaker opened: counted, no more
    // opossum's own rule for a failure (lib/circuit.js `fail`), applied to the failure it did not see.
    const stats = breaker.stats;
    const options = this.breakerOptions;
    if (stats.fires >= options.volumeThreshold! && (stats.failures / stats.fires) * 100 > options.errorThresholdPercentage!) breaker.open();
  }

  /** Creates `entry`'s opossum breaker, seeded with the calls answered in the window so far. */
  private wake(entry: Entry): Breaker {
    const breaker: Breaker = new CircuitBreaker(invokeThrough, {
      ...this.breakerOptions,
      name: entry.address,
      rotateBucketController: entry.rotator.emitter,
    });
    breaker.on('open', () => this.transition(entry, 'open'));
    breaker.on('halfOpen', () => this.transition(entry, 'halfOpen'));
    breaker.on('close', () => this.transition(entry, 'closed'));
    breaker.on('failure', () => void (entry.lastFailure = entry.rotator.ticks));
    const answered = entry.answeredInWindow();
    const bucket = breaker.status.window[0];
    if (bucket !== undefined) {
      bucket.fires += answered;
      bucket.successes += answered;
    }
    entry.breaker = breaker;
    return breaker;
  }

  /**
   * An invoker that calls `invoker` through `endpoint`'s breaker. Make it once per endpoint, not per
   * call: it keeps the endpoint's entry, so a call skips the lookup by endpoint (a WeakMap probe,
   * which over thousands of endpoints is a cache miss per call), and looks again only once that
   * entry was removed (the endpoint left, or `delete`).
   */
  wrap(endpoint: Endpoint, invoker: Invoker): Invoker {
    let entry: Entry | undefined;
    return (invocation) => {
      if (entry === undefined || entry.removed) {
        entry = this.entryFor(endpoint);
        if (entry === undefined) return invoker(invocation);
      }
      return this.through(entry, invoker, invocation);
    };
  }

  /**
   * `endpoint`'s breaker bound once, for a runtime that settles calls itself (core's directory asks
   * one per member): while `passes()` it sends straight to the endpoint and tells the outcome with
   * `answered()` / `failed(err)`, which count exactly as a call through `invoke` would, with no
   * promise or closure of the set's per call; otherwise it sends through `invoke`. Like `wrap` it
   * keeps the endpoint's entry and looks again only once that entry was removed.
   */
  gate(endpoint: Endpoint): BreakerGate {
    return new Gate(this, endpoint);
  }

  /** @internal The entry of `endpoint` for a gate (created on first use while the endpoint is current). */
  entryOf(endpoint: Endpoint): Entry | undefined {
    return this.entryFor(endpoint);
  }

  /** Whether a call to `endpoint` would be let through now. Never creates a breaker. */
  allows(endpoint: Endpoint): boolean {
    const breaker = this.peek(endpoint)?.breaker;
    if (breaker === undefined) return true;
    return breaker.closed || breaker.pendingClose;
  }

  state(endpoint: Endpoint): BreakerState {
    return this.peek(endpoint)?.state ?? 'closed';
  }

  /** `state`, under the name core's `EndpointBreakers` reads for admin views. */
  stateOf(endpoint: Endpoint): BreakerState {
    return this.state(endpoint);
  }

  /** Every breaker's state, by endpoint address (for metrics and admin pages). */
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

  /** opossum breakers alive: endpoints that failed within the last window. */
  get awake(): number {
    let n = 0;
    for (const e of this.byAddress.values()) if (e.breaker !== undefined) n++;
    return n;
  }

  /** Endpoints watched (called since they joined); opossum breakers exist only for those that failed recently. */
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
    const entry = new Entry(endpoint, address, acquireRotator(this.bucketMs), this.buckets, this);
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
    entry.breaker?.shutdown(); // clears its reset timer and detaches it from the rotator
    entry.breaker = undefined;
    releaseRotator(this.bucketMs);
    this.byAddress.delete(entry.address);
  }
}

/** `BreakerSet.gate`'s handle: the set and one endpoint's entry. */
class Gate implements BreakerGate {
  private entry: Entry | undefined = undefined;

  constructor(private readonly set: BreakerSet, private readonly endpoint: Endpoint) {}

  passes(): boolean {
    let entry = this.entry;
    if (entry === undefined || entry.removed) {
      entry = this.entry = this.set.entryOf(this.endpoint);
      if (entry === undefined) return true; // it has left: nothing to protect or learn
    }
    return this.set.passes(entry);
  }

  answered(): void {
    this.entry?.count();
  }

  failed(err: unknown): void {
    if (this.entry !== undefined) this.set.settledLight(this.entry, err);
  }
}

function openError(entry: Entry): RpcError {
  const what = entry.state === 'halfOpen' ? 'half-open (its probe is in flight)' : 'open';
  return new RpcError(Code.Unavailable, `circuit breaker for ${entry.address} is ${what}; the call was not sent`);
}
