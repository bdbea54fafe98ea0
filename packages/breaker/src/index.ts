export { BreakerSet, type BreakerEvents, type BreakerState } from './breaker-set.js';
export { BREAKER_DEFAULTS, type BreakerOptions } from './options.js';
export { isEndpointFailure } from './failure.js';
export { Bulkhead, bulkhead, type BulkheadOptions } from './bulkhead.js';
export { activeRotators } from './rotator.js';
export * from './flow/index.js';
export {
  OutlierDetector, OUTLIER_DEFAULTS, resolveOutlierConfig, outlierOutcome,
  type OutlierDetectorOptions, type OutlierEjection, type OutlierEvents, type OutlierStats, type OutlierDetectionConfig,
  type ResolvedOutlierConfig, type OutlierEjectionType, type OutlierOutcome, type DurationLike, type UInt32Like, type BoolLike,
} from './outlier/index.js';
