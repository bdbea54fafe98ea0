/** How each endpoint's breaker decides. Defaults suit a production service; all are per BreakerSet. */
export interface BreakerOptions {
  /** Opens when more than this percentage of calls in the window failed. Default 50. */
  readonly errorThresholdPercentage?: number;
  /** No opening before this many calls in the window (a single early failure must not open it). Default 20. */
  readonly volumeThreshold?: number;
  /** Open → half-open after this many ms; the half-open breaker lets one probe through. Default 10 000. */
  readonly resetTimeout?: number;
  /** Length of the statistics window, ms. Default 10 000. */
  readonly rollingCountTimeout?: number;
  /** Buckets in the window (the shared rotator ticks every timeout/buckets ms). Default 10. */
  readonly rollingCountBuckets?: number;
  /** Which errors count against the endpoint. Default `isEndpointFailure`: all but BUSINESS, CANCELLED, INVALID_ARGUMENT, SERIALIZATION, SHUTDOWN. */
  readonly isFailure?: (error: unknown) => boolean;
}

export const BREAKER_DEFAULTS = {
  errorThresholdPercentage: 50,
  volumeThreshold: 20,
  resetTimeout: 10_000,
  rollingCountTimeout: 10_000,
  rollingCountBuckets: 10,
} as const;
