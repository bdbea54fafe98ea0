/**
 * Prometheus text exposition format 0.0.4, written by hand (no client library: the format is
 * small, and the admin endpoint should add no dependency to every app).
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** Suffix after the family name (`_bucket`, `_sum`, `_count`), or '' for the family's own. */
  readonly suffix?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** `\`, `"` and newlines are the characters a label value must escape. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes only `\` and newlines. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Go's float formatting as Prometheus parses it: `+Inf`, `-Inf`, `NaN`, else the shortest decimal. */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function formatPrometheus(families: readonly MetricFamily[]): string {
  let out = '';
  for (const f of families) {
    if (!NAME.test(f.name)) throw new TypeError(`invalid metric name ${JSON.stringify(f.name)}`);
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = Object.entries(s.labels);
      let text = '';
      if (labels.length > 0) {
        text = `{${labels.map(([k, v]) => {
          if (!LABEL.test(k)) throw new TypeError(`invalid label name ${JSON.stringify(k)}`);
          return `${k}="${escapeLabelValue(v)}"`;
        }).join(',')}}`;
      }
      out += `${f.name}${s.suffix ?? ''}${text} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}
