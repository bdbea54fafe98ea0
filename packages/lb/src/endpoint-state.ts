import { endpointAddress, type Endpoint } from '@meshlet/core';
import { DEFAULT_WARMUP_MS, warmupWeight } from './warmup.js';

/**
 * What a balancer remembers about one endpoint, keyed by its address. Balancers that learn extend
 * it with their own fields; the base holds the weight (parsed once, not per pick) and where the
 * endpoint sat in the last candidate list, so a pick can go from state back to candidate in O(1).
 */
export class EndpointState {
  endpoint: Endpoint;
  /** `protocol://host:port`, the table key. */
  readonly address: string;
  /** The candidate list generation this endpoint was last seen in, and its index there. */
  generation = -1;
  slot = -1;
  /** Set when the endpoint has left, so stale references (a late `report`) are ignored. */
  removed = false;
  /** No ramp left to compute: `weightAt` returns `weight` without reading the clock. */
  warm = true;
  private weight = 0;
  private startedAt = 0;
  private warmupMs = DEFAULT_WARMUP_MS;

  constructor(endpoint: Endpoint, address: string = endpointAddress(endpoint), firstSeen = 0) {
    this.endpoint = endpoint;
    this.address = address;
    this.refresh(endpoint, firstSeen);
  }

  /** Re-reads weight and warm-up parameters: the registry may republish an address with new ones. */
  refresh(endpoint: Endpoint, firstSeen: number): void {
    this.endpoint = endpoint;
    const weight = Number.isFinite(endpoint.weight) ? Math.max(0, endpoint.weight) : 0;
    this.weight = weight;
    // Dubbo consumers see the provider's start time as `remote.timestamp` once URLs are merged,
    // registries publish it as `timestamp`.
    const started = Number(endpoint.params['remote.timestamp'] ?? endpoint.params.timestamp ?? 0);
    const warmup = Number(endpoint.params.warmup ?? DEFAULT_WARMUP_MS);
    this.warmupMs = Number.isFinite(warmup) && warmup > 0 ? warmup : DEFAULT_WARMUP_MS;
    // A provider whose clock runs ahead of ours would otherwise sit at weight 1 for as long as the
    // skew lasts; the ramp then starts when we first saw it instead.
    this.startedAt = started > 0 && firstSeen > 0 ? Math.min(started, firstSeen) : started;
    this.warm = !(this.startedAt > 0 && weight > 1);
  }

  /** The weight now, ramped by warm-up (Dubbo's `getWeight`). */
  weightAt(now: number): number {
    if (this.warm) return this.weight;
    const uptime = now - this.startedAt;
    if (uptime >= this.warmupMs) {
      this.warm = true;
      return this.weight;
    }
    return uptime > 0 ? warmupWeight(uptime, this.warmupMs, this.weight) : 1;
  }

  /** The configured weight, before warm-up. */
  get fullWeight(): number {
    return this.weight;
  }
}
