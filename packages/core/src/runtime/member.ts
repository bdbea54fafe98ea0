import type { Endpoint } from '../endpoint.js';
import type { BreakerGate, EndpointBreakers } from '../breakers.js';
import type { Invoker } from '../interceptor.js';
import type { Invocation } from '../invocation.js';
import type { Candidate, EndpointReporter, LoadBalancer } from '../load-balancer.js';
import type { ProtocolClient } from '../protocol.js';
import type { PooledClient } from './client-pool.js';

export interface Member extends Candidate {
  endpoint: Endpoint;
  /** `host:port`, what a call's `peer` reads; an endpoint replaced in place keeps its address. */
  readonly peer: string;
  readonly client: ProtocolClient;
  /** The sidecar proxy's endpoint (`EndpointSetChooser.isProxy`): sent to as it is, no balancer, no breaker. */
  readonly proxy: boolean;
  /**
   * Sends one attempt: through the member's circuit breaker when it has one watching, else straight
   * to the client; reports latency and outcome to the balancer and counts a failure in `errors`.
   */
  guarded(inv: Invocation): Promise<unknown>;
  /** Attempts sent and failed, for `snapshot()`. */
  calls: number;
  errors: number;
}

/**
 * A member as a class, not an object literal with a getter: literals with accessors get a hidden
 * class each, so with thousands of endpoints every site that reads a member went megamorphic (a
 * pick over 5,000 endpoints cost about 3× one over 10 from that alone).
 *
 * An attempt to a healthy endpoint is one promise layer on the client's promise, with handlers
 * made once per member that do all the bookkeeping in turn: the pooled client's count in flight
 * (and ejection), the breaker's count (a `gate`: no breaker code in the call's path until the
 * endpoint fails), the balancer's report, the member's error count. Which handler pair is attached
 * says how the attempt was sent (directly, or by the breaker set's `invoke`, which counts its own).
 *
 * A balancer that learns is told each attempt's latency with no per-call closure: the send time
 * comes from a FIFO of the member's attempts in flight (the oldest's in the member, the rest in a
 * ring), and an answer is credited with the age of the oldest attempt still out. That is the
 * attempt's own latency whenever answers come in the order sent (one call out per member, the
 * usual case over a large fleet, or one connection answering in order), and never less than it
 * otherwise: the sum over all answers is exact, and a stuck call shows in the samples of the
 * answers that overtake it instead of only once it ends.
 */
export class PooledMember implements Member {
  calls = 0;
  errors = 0;
  readonly peer: string;
  /** The balancer's `report` for this endpoint, bound once (undefined: the balancer does not learn). */
  private readonly reporter: EndpointReporter | undefined;
  /** Sends through the breaker set when it has no gates (`wrap` or `invoke`); made by `guard`. */
  private wrapped: Invoker | undefined = undefined;
  /** The endpoint's breaker bound once, when the breaker set offers gates. */
  private gate: BreakerGate | undefined = undefined;
  /** Attempts in flight through `timed`; the send time (`stamp()`) of the oldest one. */
  private sentCount = 0;
  private oldest = 0;
  /** Send times of the others, oldest first: a ring from `laterHead`, made once two are out. */
  private later: number[] | undefined = undefined;
  private laterHead = 0;

  /** `balancer` and `breakers` are undefined for the proxy's endpoint (`ProxyMember`). */
  constructor(
    public endpoint: Endpoint,
    readonly client: PooledClient,
    balancer: LoadBalancer | undefined,
    private readonly breakers: EndpointBreakers | undefined,
  ) {
    this.peer = `${endpoint.host}:${endpoint.port}`;
    this.reporter = balancer === undefined ? undefined : balancer.reporter !== undefined ? balancer.reporter(endpoint)
      : balancer.report !== undefined ? new Unbound(balancer, this) : undefined;
    this.guard();
  }

  /** A getter on the prototype, not a field: a member stays as small as before there were proxies. */
  get proxy(): boolean {
    return false;
  }

  /** The same address republished (new weight, start time): keep the connection, take the new facts. */
  replace(endpoint: Endpoint): void {
    if (endpoint === this.endpoint) return;
    this.endpoint = endpoint;
    this.guard();
  }

  /** Binds the endpoint's breaker (a gate, or else an invoker through the set), once per endpoint object. */
  private guard(): void {
    const breakers = this.breakers;
    if (breakers === undefined) return;
    const endpoint = this.endpoint;
    if (breakers.gate !== undefined) {
      this.gate = breakers.gate(endpoint);
      return;
    }
    // A breaker set that can bind to the endpoint finds its breaker once, not per call.
    const via = this.viaBreaker();
    this.wrapped = breakers.wrap !== undefined ? breakers.wrap(endpoint, via.invoke) : (inv: Invocation) => breakers.invoke(endpoint, via.invoke, inv);
  }

  /** A method, not a closure per member: a call reads the member, not a function and its context too. */
  guarded(inv: Invocation): Promise<unknown> {
    const gate = this.gate;
    if (gate !== undefined) {
      if (gate.passes()) return this.send(inv, true);
      const via = this.viaBreaker();
      return this.breakers!.invoke(this.endpoint, via.invoke, inv).catch(via.failed);
    }
    if (this.wrapped === undefined) return this.send(inv, true);
    return this.wrapped(inv).catch(this.viaBreaker().failed);
  }

  /** The handlers of attempts sent through a breaker set's `invoke`, made when first needed (most endpoints never are). */
  private viaBreaker(): ViaBreaker {
    return (this.via ??= new ViaBreaker(this));
  }

  private via: ViaBreaker | undefined = undefined;

  get pending(): number {
    return this.client.pendingCount;
  }

  /** @internal What the breaker set's `invoke` sends through (ViaBreaker.invoke). */
  sendInner(inv: Invocation): Promise<unknown> {
    return this.send(inv, false);
  }

  /** One attempt to the client; `direct`: not through a breaker set's `invoke` (this member counts everything). */
  private send(inv: Invocation, direct: boolean): Promise<unknown> {
    if (this.reporter === undefined) {
      const sent = this.client.send(inv);
      return direct ? sent.then(this.answeredDirect, this.failedDirect) : sent.then(this.via!.answered, this.via!.failedInner);
    }
    const start = stamp();
    const sent = this.client.send(inv);
    if (this.sentCount++ === 0) this.oldest = start;
    else this.queue(start);
    return direct ? sent.then(this.answeredDirect, this.failedDirect) : sent.then(this.via!.answered, this.via!.failedInner);
  }

  private readonly answeredDirect = (value: unknown): unknown => {
    this.client.answered(); // counted down first: least-pending re-reads the count when told
    this.gate?.answered();
    if (this.reporter !== undefined) this.reporter.report(this.age(), undefined);
    return value;
  };

  private readonly failedDirect = (err: unknown): never => {
    this.client.failedWith(err);
    this.gate?.failed(err);
    if (this.reporter !== undefined) this.reporter.report(this.age(), err);
    this.errors++;
    throw err;
  };

  /** @internal A call sent through the breaker set settled (ViaBreaker's handlers): the client and the balancer, not the gate. */
  settledInner(err: unknown, failed: boolean): void {
    if (failed) this.client.failedWith(err);
    else this.client.answered();
    if (this.reporter !== undefined) this.reporter.report(this.age(), failed ? err : undefined);
  }

  /** Queues the send time of an attempt behind `oldest`, in the ring (grown by doubling). */
  private queue(start: number): void {
    let ring = this.later;
    const queued = this.sentCount - 2; // already counted; the ring holds all but `oldest`
    if (ring === undefined || queued === ring.length) ring = this.grow(queued);
    ring[(this.laterHead + queued) & (ring.length - 1)] = start;
  }

  /** Takes the age (ms) of the oldest attempt in flight: every attempt sent settles exactly once. */
  private age(): number {
    if (this.sentCount === 0) return 0; // unreachable
    const age = ((stamp() - this.oldest) & STAMP_MASK) / 1000;
    if (--this.sentCount > 0) {
      const ring = this.later!;
      this.oldest = ring[this.laterHead]!;
      this.laterHead = (this.laterHead + 1) & (ring.length - 1);
    }
    return age;
  }

  /** A ring twice the size of the current one (or 4), holding its `queued` stamps first. */
  private grow(queued: number): number[] {
    const old = this.later;
    const ring = new Array<number>(old === undefined ? 4 : old.length * 2).fill(0);
    for (let i = 0; i < queued; i++) ring[i] = old![(this.laterHead + i) & (old!.length - 1)]!;
    this.later = ring;
    this.laterHead = 0;
    return ring;
  }
}

/**
 * The sidecar proxy's endpoint (`EndpointSetChooser.isProxy`): sent to as it is, the balancer
 * learning nothing about it and no breaker watching it (made with neither).
 */
export class ProxyMember extends PooledMember {
  constructor(endpoint: Endpoint, client: PooledClient) {
    super(endpoint, client, undefined, undefined);
  }

  override get proxy(): boolean {
    return true;
  }
}

/** `report` of a balancer without `reporter`, for one member (by its current endpoint). */
class Unbound implements EndpointReporter {
  constructor(private readonly balancer: LoadBalancer, private readonly member: { readonly endpoint: Endpoint }) {}

  report(latencyMs: number, error: unknown): void {
    this.balancer.report!(this.member.endpoint, latencyMs, error);
  }
}

/**
 * A member's handlers for attempts sent through its breaker set's `invoke` (the set counts those
 * itself, so these tell only the client and the balancer; the outer `failed` counts the member's
 * errors, refused calls included). Made per member on first use: four closures fewer per endpoint
 * that never misbehaves.
 */
class ViaBreaker {
  constructor(private readonly member: PooledMember) {}

  readonly invoke: Invoker = (inv) => this.member.sendInner(inv);

  readonly answered = (value: unknown): unknown => {
    this.member.settledInner(undefined, false);
    return value;
  };

  readonly failedInner = (err: unknown): never => {
    this.member.settledInner(err, true);
    throw err;
  };

  readonly failed = (err: unknown): never => {
    this.member.errors++;
    throw err;
  };
}

/**
 * Send times are kept as integer microseconds modulo 2^30 (about 18 minutes), so they are small
 * integers stored in the member itself rather than boxed doubles elsewhere in the heap: one less
 * cache line per call over a large fleet. Ages are taken modulo the same span.
 */
const STAMP_MASK = 2 ** 30 - 1;
function stamp(): number {
  return Math.floor(performance.now() * 1000) & STAMP_MASK;
}

