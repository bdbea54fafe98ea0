export { AdminRoutes, type AdminReply } from './routes.js';
export { AdminServer, adminOptions, startAdmin, type AdminOptions } from './server.js';
export { maskPassword, meshletTarget, type AdminStatus, type AdminTarget } from './target.js';
export { CallMetrics, DURATION_BUCKETS_S } from './call-metrics.js';
export { StatsRing, LATENCY_BOUNDS_MS, binOf, type SecondStats } from './stats-ring.js';
export { formatPrometheus, escapeHelp, escapeLabelValue, formatValue, PROMETHEUS_CONTENT_TYPE, type MetricFamily, type MetricType, type Sample } from './prometheus.js';
export { formatLs } from './ls.js';
export { DASHBOARD_HTML } from './dashboard.js';
