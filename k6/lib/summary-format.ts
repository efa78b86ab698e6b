/**
 * The results/<testid>/summary.json format. scripts/report.ts and baseline.ts read it, so it is
 * a plain data contract (no k6 imports).
 */

/** A testid names the results/<testid>/ folder: letters, digits, '.', '_' and '-' only. */
export const TESTID_PATTERN = /^[A-Za-z0-9._-]+$/;

export interface MetricSummary {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains: 'default' | 'time' | 'data';
  /** k6's values: trend avg/min/med/max/p(N)/count in ms for time trends, rate, count, value. */
  values: Record<string, number>;
  /** Threshold expression -> passed. */
  thresholds?: Record<string, boolean>;
}

export interface TargetRow {
  /** What is measured, e.g. "Order service p95". */
  title: string;
  metric: string;
  stat: string;
  /** Comparison as in the threshold, e.g. "<". */
  op: '<' | '<=' | '>' | '>=';
  target: number;
  /** null when the run produced no sample for the metric. */
  measured: number | null;
  unit: 'ms' | 'ratio' | 'count';
  /** A metric without samples is 'not evaluated': nothing was measured, so nothing passed. */
  result: 'pass' | 'fail' | 'not evaluated';
  /** result === 'pass'. */
  pass: boolean;
}

/** A check that failed at least once, e.g. `GET /orders/:id → 404 {"error":"..."}` in group `verify`. */
export interface FailingCheck {
  /** Group path, e.g. `::verify`. */
  group: string;
  check: string;
  /** The step (`GET /orders/:id`) and status (404; 0: no answer) when the check is a step call's. */
  step: string | null;
  status: number | null;
  fails: number;
  passes: number;
}

export interface RunSummary {
  formatVersion: 1;
  testid: string;
  script: string;
  label: 'pooled' | 'baseline';
  profile: 'full' | 'smoke';
  baseUrl: string;
  /** ISO time the summary was written. */
  finishedAt: string;
  testRunDurationMs: number;
  /** Every threshold was evaluated and passed. */
  passed: boolean;
  /** testid of the baseline that connection_pool_time_saved_ms was measured against, if any. */
  baselineTestid: string | null;
  targets: TargetRow[];
  /** Checks that failed, most failures first (each step call is one named check). */
  failingChecks?: FailingCheck[];
  metrics: Record<string, MetricSummary>;
  /** Set by `npm run loadtest` after the run: did the metrics reach Prometheus? */
  remoteWrite?: { ok: boolean; detail: string };
  /** Set on one instance's summary of a run split across k6 instances (its `instance` tag). */
  instance?: string;
  /** Set on a merged summary: what it was merged from (scripts/lib/merge-summaries.ts). */
  merged?: MergeInfo;
}

export interface MergeInfo {
  /** The instances' `instance` tags, in segment order. */
  instances: string[];
  /**
   * How trend percentiles (med, p(N)) were combined: k6 summaries carry no samples, so the merged
   * percentile is the count-weighted mean of the instances' percentiles (counts, rates, avg, min
   * and max are exact). Prometheus' native histograms give the exact merged quantiles.
   */
  percentiles: 'count-weighted mean of the instances';
}
