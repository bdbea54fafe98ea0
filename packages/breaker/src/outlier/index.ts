export { OutlierDetector, type OutlierDetectorOptions, type OutlierEjection, type OutlierEvents, type OutlierStats } from './detector.js';
export { OUTLIER_DEFAULTS, resolveOutlierConfig, type OutlierDetectionConfig, type ResolvedOutlierConfig, type DurationLike, type UInt32Like, type BoolLike } from './config.js';
export { outlierOutcome, type OutlierOutcome } from './classify.js';
export type { OutlierEjectionType } from './host.js';
