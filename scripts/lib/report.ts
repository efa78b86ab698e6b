/**
 * Before/after comparison of two runs' summary.json files (baseline = per-call connections,
 * pooled = connection pool): measured p95 per flow metric, speed-up, SLO target, error rates, and
 * whether the pooled run regressed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { k6Custom } from '../../contract/metrics.ts';
import { k6TrendForTarget } from '../../monitoring/config/metrics.ts';
import { latencyTargets, slo, type LatencyTargetKey } from '../../monitoring/config/slo.ts';
import type { FailingCheck, RunSummary } from '../../k6/lib/summary-format.ts';

export interface ComparisonRow {
  key: LatencyTargetKey;
  title: string;
  metric: string;
  targetP95Ms: number;
  /** null when that run did not measure the metric (e.g. no full flow in the order test). */
  baselineP95Ms: number | null;
  pooledP95Ms: number | null;
  /** baseline / pooled: 2 means twice as fast. */
  speedup: number | null;
  meetsTarget: boolean | null;
  /** Pooled p95 above baseline * (1 + tolerance), or measured in the baseline but not in the pooled run. */
  regression: boolean;
}

export interface Comparison {
  baseline: { testid: string; script: string; label: string };
  pooled: { testid: string; script: string; label: string };
  tolerance: number;
  rows: ComparisonRow[];
  /** Measured per-order saving in the pooled run (mean of connection_pool_time_saved_ms), if measured. */
  poolTimeSavedAvgMs: number | null;
  /** Share of failed calls (the k6 `errors` rate) of each run; null when the run has no sample. */
  errorRate: { baseline: number | null; pooled: number | null };
  /** Each run's failing checks and steps, as its summary lists them. */
  failingChecks: { baseline: FailingCheck[]; pooled: FailingCheck[] };
  /** Each run's remote-write outcome, when `npm run loadtest` checked it. */
  remoteWrite: { baseline: RunSummary['remoteWrite'] | null; pooled: RunSummary['remoteWrite'] | null };
  regressions: string[];
}

export async function loadSummary(resultsDir: string, testid: string): Promise<RunSummary> {
  const path = testid.endsWith('.json') ? testid : join(resultsDir, testid, 'summary.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path} (${err instanceof Error ? err.message : String(err)}); run the load test with --testid ${testid} first`);
  }
  let parsed: RunSummary;
  try {
    parsed = JSON.parse(text) as RunSummary;
  } catch (err) {
    throw new Error(`${path} is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (parsed.formatVersion !== 1 || typeof parsed.metrics !== 'object') throw new Error(`${path} is not a k6 suite summary (formatVersion 1)`);
  return parsed;
}

function p95(summary: RunSummary, metric: string): number | null {
  const m = summary.metrics[metric];
  if (!m || m.type !== 'trend' || !(m.values.count && m.values.count > 0)) return null;
  return m.values['p(95)'] ?? null;
}

function errorRate(summary: RunSummary): number | null {
  const m = summary.metrics[k6Custom.errors];
  if (!m || m.type !== 'rate' || !((m.values.passes ?? 0) + (m.values.fails ?? 0) > 0)) return null;
  return m.values.rate ?? null;
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} %`);

/**
 * Compare two runs; a pooled p95 above baseline * (1 + tolerance) is a regression, and so is a
 * metric the baseline measured that the pooled run did not (e.g. no flow succeeded at all), and a
 * pooled error rate at or above the SLO's that is worse than the baseline's (failing fast is not
 * a speed-up).
 */
export function compareRuns(baseline: RunSummary, pooled: RunSummary, tolerance = 0.05): Comparison {
  const rows: ComparisonRow[] = (Object.keys(latencyTargets) as LatencyTargetKey[]).map((key) => {
    const metric = k6TrendForTarget[key];
    const before = p95(baseline, metric);
    const after = p95(pooled, metric);
    const target = latencyTargets[key].p95Ms;
    return {
      key,
      title: latencyTargets[key].title,
      metric,
      targetP95Ms: target,
      baselineP95Ms: before,
      pooledP95Ms: after,
      speedup: before !== null && after !== null && after > 0 ? before / after : null,
      meetsTarget: after === null ? null : after < target,
      regression: before !== null && (after === null || after > before * (1 + tolerance)),
    };
  });
  const saved = pooled.metrics[k6Custom.poolTimeSaved];
  const errors = { baseline: errorRate(baseline), pooled: errorRate(pooled) };
  const moreErrors = errors.pooled !== null && errors.pooled >= slo.errorRateMax && (errors.baseline === null || errors.pooled > errors.baseline);
  return {
    baseline: { testid: baseline.testid, script: baseline.script, label: baseline.label },
    pooled: { testid: pooled.testid, script: pooled.script, label: pooled.label },
    tolerance,
    rows,
    poolTimeSavedAvgMs: saved && saved.values.count ? (saved.values.avg ?? null) : null,
    errorRate: errors,
    failingChecks: { baseline: baseline.failingChecks ?? [], pooled: pooled.failingChecks ?? [] },
    remoteWrite: { baseline: baseline.remoteWrite ?? null, pooled: pooled.remoteWrite ?? null },
    regressions: [
      ...rows
        .filter((r) => r.regression)
        .map((r) => `${r.title}: p95 ${r.pooledP95Ms === null ? 'not measured' : `${r.pooledP95Ms.toFixed(1)} ms`} pooled vs ${r.baselineP95Ms?.toFixed(1)} ms baseline`),
      ...(moreErrors ? [`Error rate: ${pct(errors.pooled)} pooled vs ${pct(errors.baseline)} baseline (target < ${pct(slo.errorRateMax)})`] : []),
    ],
  };
}

const ms = (v: number | null): string => (v === null ? 'no data' : `${v.toFixed(1)} ms`);

/** A run's failing steps: `GET /orders/:id → 404 ×12 (group verify)`. */
function failingLines(run: string, checks: FailingCheck[]): string[] {
  if (checks.length === 0) return [`Failing checks (${run}): none.`];
  return [`Failing checks (${run}):`, ...checks.map((f) => `  - ${f.check}: failed ${f.fails}, passed ${f.passes} (group ${f.group.replace(/^::/, '') || 'root'})`)];
}

export function renderComparison(c: Comparison): string {
  // 0.025 prints as 2.5, not rounded to 3.
  const tolerancePct = Number((c.tolerance * 100).toFixed(2));
  const lines = [
    `Connection pool before/after: baseline ${c.baseline.testid} (${c.baseline.script}, ${c.baseline.label}) vs pooled ${c.pooled.testid} (${c.pooled.script}, ${c.pooled.label})`,
    '',
    '| Metric | Baseline p95 | Pooled p95 | Speed-up | Target p95 | Pooled meets target |',
    '| --- | --- | --- | --- | --- | --- |',
    ...c.rows.map((r) =>
      [
        r.title,
        ms(r.baselineP95Ms),
        ms(r.pooledP95Ms),
        r.speedup === null ? 'n/a' : `${r.speedup.toFixed(2)}x`,
        `< ${r.targetP95Ms} ms`,
        r.meetsTarget === null ? 'not evaluated' : r.meetsTarget ? 'yes' : 'NO',
      ].join(' | '),
    ).map((row) => `| ${row} |`),
    '',
    `Pool time saved per order (measured against the baseline run): ${c.poolTimeSavedAvgMs === null ? 'not measured (run the pooled test with --baseline <baseline-testid>)' : `${c.poolTimeSavedAvgMs.toFixed(1)} ms on average`}`,
    `Error rate: baseline ${pct(c.errorRate.baseline)}, pooled ${pct(c.errorRate.pooled)} (target < ${pct(slo.errorRateMax)})`,
    ...failingLines('baseline', c.failingChecks.baseline),
    ...failingLines('pooled', c.failingChecks.pooled),
    ...(['baseline', 'pooled'] as const).flatMap((run) => {
      const rw = c.remoteWrite[run];
      return rw && !rw.ok ? [`Remote write FAILED for the ${run} run: ${rw.detail}`] : [];
    }),
    c.regressions.length === 0
      ? `No regression (latency tolerance ${tolerancePct} %).`
      : `REGRESSION (latency tolerance ${tolerancePct} %):\n${c.regressions.map((r) => `  - ${r}`).join('\n')}`,
  ];
  return `${lines.join('\n')}\n`;
}
