import type { CallRecord } from '@meshlet/core';
import type { MetricFamily, Sample } from './prometheus.js';
import { StatsRing } from './stats-ring.js';

/** Histogram bounds of `meshlet_call_duration_seconds` (Prometheus client defaults, plus 1 ms and 2.5 ms). */
export const DURATION_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  count: number;
}

interface Histogram {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * Everything the admin endpoint learns from call records: Prometheus counters and histograms by
 * side, service, method and code, and a per-side `StatsRing` for the dashboard's live charts.
 * Series are keyed by their label values, so memory grows with the services and methods a runtime
 * has, not with traffic.
 */
export class CallMetrics {
  readonly #calls = new Map<string, Series>();
  readonly #durations = new Map<string, Histogram>();
  readonly rings = { client: new StatsRing(), server: new StatsRing() };

  record(r: CallRecord): void {
    const callKey = `${r.side}\u0000${r.service}\u0000${r.method}\u0000${r.code}`;
    let c = this.#calls.get(callKey);
    if (c === undefined) {
      c = { labels: { side: r.side, service: r.service, method: r.method, code: r.code }, count: 0 };
      this.#calls.set(callKey, c);
    }
    c.count++;
    const hKey = `${r.side}\u0000${r.service}\u0000${r.method}`;
    let h = this.#durations.get(hKey);
    if (h === undefined) {
      h = { labels: { side: r.side, service: r.service, method: r.method }, buckets: new Float64Array(DURATION_BUCKETS_S.length), sum: 0, count: 0 };
      this.#durations.set(hKey, h);
    }
    const seconds = r.durationMs / 1000;
    // Only the first bucket that fits is counted here; `families` makes them cumulative.
    const i = DURATION_BUCKETS_S.findIndex((b) => seconds <= b);
    if (i >= 0) h.buckets[i]!++;
    h.sum += seconds;
    h.count++;
    this.rings[r.side].record(r.durationMs, r.code !== 'OK');
  }

  families(): MetricFamily[] {
    const durations: Sample[] = [];
    for (const h of this.#durations.values()) {
      let cumulative = 0;
      DURATION_BUCKETS_S.forEach((b, i) => {
        cumulative += h.buckets[i]!;
        durations.push({ suffix: '_bucket', labels: { ...h.labels, le: String(b) }, value: cumulative });
      });
      durations.push({ suffix: '_bucket', labels: { ...h.labels, le: '+Inf' }, value: h.count });
      durations.push({ suffix: '_sum', labels: h.labels, value: h.sum });
      durations.push({ suffix: '_count', labels: h.labels, value: h.count });
    }
    return [
      {
        name: 'meshlet_calls_total', type: 'counter', help: 'Finished RPC calls by side (client/server), service, method and result code (OK or the RpcError code).',
        samples: [...this.#calls.values()].map((c) => ({ labels: c.labels, value: c.count })),
      },
      { name: 'meshlet_call_duration_seconds', type: 'histogram', help: 'RPC call duration in seconds, by side, service and method.', samples: durations },
    ];
  }
}
