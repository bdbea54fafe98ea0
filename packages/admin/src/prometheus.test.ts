import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallMetrics, DURATION_BUCKETS_S } from './call-metrics.js';
import { escapeLabelValue, formatPrometheus } from './prometheus.js';

interface Parsed {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** A strict reader of the 0.0.4 text format, to check what we write parses back to what we meant. */
function parse(text: string): Parsed {
  const out: Parsed = { help: new Map(), type: new Map(), samples: [] };
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      assert.ok(!out.help.has(m[1]!), `one HELP per family: ${m[1]}`);
      out.help.set(m[1]!, m[2]!.replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')));
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      out.type.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a valid sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
    let pos = 0;
    while (pos < body.length) {
      re.lastIndex = pos;
      const l = re.exec(body);
      assert.ok(l, `bad labels at ${pos}: ${body}`);
      labels[l[1]!] = l[2]!.replace(/\\(n|\\|")/g, (_, c: string) => (c === 'n' ? '\n' : c));
      pos = re.lastIndex;
    }
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(out.type.has(m[1]!) || out.type.get(family) === 'histogram', `sample ${m[1]} comes after its TYPE line`);
    const v = m[3]!;
    out.samples.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return out;
}

test('label values with quotes, backslashes and newlines parse back unchanged', () => {
  const nasty = 'a"b\\c\nd{e}=f,g';
  const text = formatPrometheus([{ name: 'x_total', help: 'help with \\ and\nnewline', type: 'counter', samples: [{ labels: { service: nasty, m: '' }, value: 3 }] }]);
  assert.equal(escapeLabelValue('"\\\n'), '\\"\\\\\\n');
  const p = parse(text);
  assert.equal(p.help.get('x_total'), 'help with \\ and\nnewline');
  assert.deepEqual(p.samples, [{ name: 'x_total', labels: { service: nasty, m: '' }, value: 3 }]);
});

test('invalid metric or label names are refused, not written', () => {
  assert.throws(() => formatPrometheus([{ name: '1bad', help: '', type: 'gauge', samples: [] }]), TypeError);
  assert.throws(() => formatPrometheus([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'a-b': 'x' }, value: 1 }] }]), TypeError);
});

test('call metrics: counters by side/service/method/code, cumulative histograms whose +Inf bucket is the count', () => {
  const m = new CallMetrics();
  const rec = (side: 'client' | 'server', code: string, durationMs: number) => m.record({ side, service: 'g/demo.Echo:1.0', method: 'echo', code, durationMs });
  rec('client', 'OK', 0.5);
  rec('client', 'OK', 3);
  rec('client', 'TIMEOUT', 3000);
  rec('client', 'OK', 60_000); // beyond the last bound: only in +Inf
  rec('server', 'BUSINESS', 7);
  const p = parse(formatPrometheus(m.families()));
  assert.equal(p.type.get('meshlet_calls_total'), 'counter');
  assert.equal(p.type.get('meshlet_call_duration_seconds'), 'histogram');
  const calls = p.samples.filter((s) => s.name === 'meshlet_calls_total');
  const count = (side: string, code: string) => calls.find((s) => s.labels.side === side && s.labels.code === code)?.value;
  assert.equal(count('client', 'OK'), 3);
  assert.equal(count('client', 'TIMEOUT'), 1);
  assert.equal(count('server', 'BUSINESS'), 1);
  assert.equal(calls[0]!.labels.service, 'g/demo.Echo:1.0');
  const buckets = p.samples.filter((s) => s.name === 'meshlet_call_duration_seconds_bucket' && s.labels.side === 'client');
  assert.equal(buckets.length, DURATION_BUCKETS_S.length + 1);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');
  const le = (b: string) => buckets.find((s) => s.labels.le === b)!.value;
  assert.equal(le('0.001'), 1);
  assert.equal(le('0.005'), 2);
  assert.equal(le('5'), 3);
  assert.equal(le('10'), 3);
  assert.equal(le('+Inf'), 4);
  const countSample = p.samples.find((s) => s.name === 'meshlet_call_duration_seconds_count' && s.labels.side === 'client')!;
  assert.equal(countSample.value, 4);
  const sum = p.samples.find((s) => s.name === 'meshlet_call_duration_seconds_sum' && s.labels.side === 'client')!;
  assert.ok(Math.abs(sum.value - 63.0035) < 1e-9, `sum ${sum.value}`);
  assert.equal(m.rings.client.series(1).length, 1);
});
