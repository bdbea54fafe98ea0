export { BreakerSet, type BreakerEvents, type BreakerState } from './breaker-set.js';
export { BREAKER_DEFAULTS, type BreakerOptions } from './options.js';
export { isEndpointFailure } from './failure.js';
export { Bulkhead, bulkhead, type BulkheadOptions } from './bulkhead.js';
export { activeRotators } from './rotator.js';
export * from './flow/index.js';
