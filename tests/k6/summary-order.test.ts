/**
 * summary.md and summary.json list the threshold rows in one fixed order, whatever order k6
 * hands the metrics and thresholds over in (Go maps: a different order on every real run).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { K6SummaryData } from '../../k6/lib/summary.ts';

type Metric = K6SummaryData['metrics'][string];

/** A deterministic shuffle (mulberry32), so a failure names the seed that produced it. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const metrics: Record<string, Metric> = {
  http_req_duration: { type: 'trend', contains: 'time', values: { 'p(95)': 30, 'p(99)': 45, count: 10 }, thresholds: { 'p(95)<300': { ok: true }, 'p(99)<600': { ok: true } } },
  checks: { type: 'rate', contains: 'default', values: { rate: 1 }, thresholds: { 'rate>0.99': { ok: true } } },
  errors: { type: 'rate', contains: 'default', values: { rate: 0 }, thresholds: { 'rate<0.01': { ok: true } } },
  full_flow_duration: {
    type: 'trend',
    contains: 'time',
    values: { avg: 80, 'p(50)': 76, med: 76, 'p(95)': 120, 'p(99)': 130, count: 4 },
    thresholds: { 'p(50)<150': { ok: true }, 'p(95)<250': { ok: true }, 'p(99)<500': { ok: true }, 'avg<200': { ok: true } },
  },
  full_flow_success: { type: 'counter', contains: 'default', values: { count: 4 }, thresholds: { 'count>=1': { ok: true } } },
  iterations: { type: 'counter', contains: 'default', values: { count: 4 } },
};

/** The same data with the metrics and each metric's thresholds in the order `seed` picks. */
function reordered(seed: number): K6SummaryData {
  const out: K6SummaryData['metrics'] = {};
  for (const [name, metric] of shuffled(Object.entries(metrics), seed)) {
    const thresholds = metric.thresholds ? Object.fromEntries(shuffled(Object.entries(metric.thresholds), seed * 31 + 7)) : undefined;
    out[name] = { ...metric, ...(thresholds ? { thresholds } : {}) };
  }
  return { state: { testRunDurationMs: 1_000 }, metrics: out };
}

describe('k6 summary row order', () => {
  let summary: typeof import('../../k6/lib/summary.ts');
  before(async () => {
    // summary.ts reads k6's __ENV through config.ts when it loads.
    (globalThis as { __ENV?: Record<string, string> }).__ENV = { TESTID: 'order-test' };
    summary = await import('../../k6/lib/summary.ts');
  });

  it('writes the same summary.md rows in sorted order for every input order', () => {
    const first = summary.markdown({ ...summary.buildRunSummary('end-to-end-test', reordered(1)), finishedAt: 'fixed' });
    const rows = first.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| What'));
    assert.equal(rows.length, 10);
    for (let seed = 2; seed <= 40; seed++) {
      const md = summary.markdown({ ...summary.buildRunSummary('end-to-end-test', reordered(seed)), finishedAt: 'fixed' });
      assert.equal(md, first, `input order from seed ${seed} changed summary.md`);
    }
    const titles = summary.targetRows(reordered(5)).map((row) => `${row.title} ${row.op} ${row.target}`);
    assert.deepEqual(titles, [...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});
