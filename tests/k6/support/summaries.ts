/** Hand-made run summaries for the report tests: only the fields `npm run report` reads are varied. */
import { k6Custom } from '../../../contract/metrics.ts';
import type { MetricSummary, RunSummary, TargetRow } from '../../../k6/lib/summary-format.ts';

export interface SummarySpec {
  testid: string;
  label: RunSummary['label'];
  /** Trend values (ms) per metric: p95, and med/p99 when given. */
  trends: Record<string, { med?: number; p95: number; p99?: number }>;
  /** Samples per trend. */
  count?: number;
  /** Calls in the errors rate (default: count), and how many of them failed. */
  calls?: number;
  failed?: number;
  targets?: TargetRow[];
  durationMs?: number;
}

export function syntheticSummary(spec: SummarySpec): RunSummary {
  const count = spec.count ?? 10;
  const calls = spec.calls ?? count;
  const failed = spec.failed ?? 0;
  const metrics: Record<string, MetricSummary> = {};
  for (const [metric, t] of Object.entries(spec.trends)) {
    metrics[metric] = {
      type: 'trend',
      contains: 'time',
      values: { ...(t.med === undefined ? {} : { med: t.med }), 'p(95)': t.p95, ...(t.p99 === undefined ? {} : { 'p(99)': t.p99 }), count },
    };
  }
  metrics[k6Custom.errors] = { type: 'rate', contains: 'default', values: { rate: failed / calls, passes: failed, fails: calls - failed } };
  const targets = spec.targets ?? [];
  return {
    formatVersion: 1,
    testid: spec.testid,
    script: 'end-to-end-test',
    label: spec.label,
    profile: 'smoke',
    baseUrl: 'http://127.0.0.1:8000',
    finishedAt: '2026-01-01T00:00:00.000Z',
    testRunDurationMs: spec.durationMs ?? 1_000,
    passed: targets.every((t) => t.pass),
    baselineTestid: null,
    targets,
    metrics,
  };
}
