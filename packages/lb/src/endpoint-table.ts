import { endpointAddress, type Candidate, type Endpoint } from '@meshlet/core';
import type { EndpointState } from './endpoint-state.js';

/**
 * Per-endpoint state of one balancer, keyed by address, and the alignment of that state with the
 * candidate list of the current pick.
 *
 * The runtime hands the same candidates array to every pick until its endpoint set changes, so
 * alignment is redone only when the array identity (or length) changes: a pick over a stable set
 * costs two comparisons, with no string building and no allocation. Candidate arrays are therefore
 * treated as immutable, as the runtime's are.
 *
 * When the runtime tells the set (`update`), endpoints that left are dropped at once. Without it
 * the table learns endpoints from the candidates and forgets those absent from a pick once it has
 * grown well past the candidate count, so it stays bounded either way.
 */
export class EndpointTable<S extends EndpointState> {
  private readonly byAddress = new Map<string, S>();
  /** Fast path: the runtime keeps one Endpoint object per address while it stays. */
  private readonly byEndpoint = new WeakMap<Endpoint, S>();
  private seen: readonly Candidate[] | undefined;
  private seenLength = 0;
  private managed = false;
  /** Incremented on every re-alignment; a state is a current candidate iff its `generation` equals it. */
  generation = 0;
  /** Incremented when an address is added or removed (a consistent-hash ring is rebuilt then). */
  membership = 0;
  /** States of the current candidates, index for index. Reused across picks. */
  readonly aligned: S[] = [];

  constructor(
    private readonly create: (endpoint: Endpoint, address: string, now: number) => S,
    private readonly clock: () => number,
  ) {}

  /** Aligns state with `candidates`; true when it had to (the set or its order changed). */
  sync(candidates: readonly Candidate[]): boolean {
    if (candidates === this.seen && candidates.length === this.seenLength) return false;
    const n = candidates.length;
    const generation = ++this.generation;
    const aligned = this.aligned;
    aligned.length = n;
    for (let i = 0; i < n; i++) {
      const s = this.stateOf(candidates[i]!.endpoint);
      s.generation = generation;
      s.slot = i;
      aligned[i] = s;
    }
    this.seen = candidates;
    this.seenLength = n;
    if (!this.managed && this.byAddress.size > 2 * n + 32) this.forgetAbsent();
    return true;
  }

  /** Whether `s` is among the candidates of the last `sync`. */
  isCandidate(s: S): boolean {
    return s.generation === this.generation;
  }

  /** The state of `endpoint`, created on first sight. */
  stateOf(endpoint: Endpoint): S {
    const known = this.byEndpoint.get(endpoint);
    if (known !== undefined && !known.removed) return known;
    const address = endpointAddress(endpoint);
    let s = this.byAddress.get(address);
    if (s === undefined) {
      s = this.create(endpoint, address, this.clock());
      this.byAddress.set(address, s);
      this.membership++;
    } else if (s.endpoint !== endpoint) {
      s.refresh(endpoint, this.clock());
    }
    this.byEndpoint.set(endpoint, s);
    return s;
  }

  /** The state of `endpoint` if it is still known; never creates one (a late report must not resurrect it). */
  peek(endpoint: Endpoint): S | undefined {
    const known = this.byEndpoint.get(endpoint);
    if (known !== undefined && !known.removed) return known;
    return this.byAddress.get(endpointAddress(endpoint));
  }

  /** The runtime's current endpoint set: state for the others is dropped. */
  update(endpoints: readonly Endpoint[]): void {
    this.managed = true;
    const keep = new Set<string>();
    for (const e of endpoints) keep.add(this.stateOf(e).address);
    for (const [address, s] of this.byAddress) {
      if (!keep.has(address)) this.drop(address, s);
    }
    this.seen = undefined;
  }

  /** Every known state, in the order the endpoints were first seen. */
  states(): IterableIterator<S> {
    return this.byAddress.values();
  }

  get size(): number {
    return this.byAddress.size;
  }

  private forgetAbsent(): void {
    for (const [address, s] of this.byAddress) {
      if (s.generation !== this.generation) this.drop(address, s);
    }
  }

  private drop(address: string, s: S): void {
    s.removed = true;
    this.byAddress.delete(address);
    this.membership++;
  }
}
