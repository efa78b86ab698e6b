/**
 * One summary for a run split across k6 instances (`npm run loadtest -- --instances N`): each
 * instance's handleSummary wrote results/<testid>/instances/<instance>/summary.json; this merges
 * them into the results/<testid>/summary.json that `npm run report` and --baseline read, with
 * the thresholds evaluated again on the merged values (as k6 would on one instance).
 */
import type { FailingCheck, MetricSummary, RunSummary } from '../../k6/lib/summary-format.ts';
import { targetRows, THRESHOLD, type K6SummaryData } from '../../k6/lib/summary-table.ts';

/** Gauges that count something per instance, so the test's value is the instances' sum. */
const SUMMED_GAUGES = new Set(['vus', 'vus_max']);

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

function mergeMetric(name: string, parts: MetricSummary[], durationMs: number): MetricSummary {
  const first = parts[0] as MetricSummary;
  const values: Record<string, number> = {};
  const stat = (key: string): number[] => parts.flatMap((p) => (p.values[key] === undefined ? [] : [p.values[key] as number]));
  switch (first.type) {
    case 'counter': {
      values.count = sum(stat('count'));
      values.rate = durationMs > 0 ? values.count / (durationMs / 1000) : 0;
      break;
    }
    case 'rate': {
      values.passes = sum(stat('passes'));
      values.fails = sum(stat('fails'));
      const total = values.passes + values.fails;
      values.rate = total > 0 ? values.passes / total : 0;
      break;
    }
    case 'gauge': {
      const combine = SUMMED_GAUGES.has(name) ? sum : (v: number[]) => Math.max(...v);
      for (const key of ['value', 'max']) if (stat(key).length > 0) values[key] = combine(stat(key));
      if (stat('min').length > 0) values.min = SUMMED_GAUGES.has(name) ? sum(stat('min')) : Math.min(...stat('min'));
      break;
    }
    case 'trend': {
      // Instances without samples report zeros: they weigh nothing.
      const weighted = parts.filter((p) => (p.values.count ?? 0) > 0);
      const count = sum(weighted.map((p) => p.values.count ?? 0));
      for (const key of Object.keys(first.values)) {
        if (key === 'count') values.count = count;
        else if (count === 0) values[key] = 0;
        else if (key === 'min') values.min = Math.min(...weighted.map((p) => p.values.min ?? Infinity));
        else if (key === 'max') values.max = Math.max(...weighted.map((p) => p.values.max ?? -Infinity));
        // avg is exact this way; med and p(N) are the count-weighted mean (MergeInfo.percentiles).
        else values[key] = sum(weighted.map((p) => (p.values[key] ?? 0) * (p.values.count ?? 0))) / count;
      }
      break;
    }
  }
  const expressions = [...new Set(parts.flatMap((p) => Object.keys(p.thresholds ?? {})))];
  return { type: first.type, contains: first.contains, values, ...(expressions.length > 0 ? { thresholds: Object.fromEntries(expressions.map((e) => [e, holds(name, e, values)])) } : {}) };
}

function holds(metric: string, expression: string, values: Record<string, number>): boolean {
  const match = THRESHOLD.exec(expression);
  if (!match) throw new Error(`merge: threshold ${JSON.stringify(expression)} on ${metric} is not of the form stat<number`);
  const [, stat = '', percentile, op, target = '0'] = match;
  const measured = values[stat] ?? (percentile === '50' ? values.med : undefined);
  if (measured === undefined) return false;
  const t = Number(target);
  return op === '<' ? measured < t : op === '<=' ? measured <= t : op === '>' ? measured > t : measured >= t;
}

/** The same check failing on several instances is one row with the instances' counts added. */
function mergeFailingChecks(parts: RunSummary[]): FailingCheck[] {
  const byKey = new Map<string, FailingCheck>();
  for (const check of parts.flatMap((p) => p.failingChecks ?? [])) {
    const key = `${check.group}\u0000${check.check}`;
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, fails: seen.fails + check.fails, passes: seen.passes + check.passes } : { ...check });
  }
  return [...byKey.values()].sort((a, b) => b.fails - a.fails);
}

/** Merge the instances' summaries of one testid; they must all be of the same run. */
export function mergeSummaries(parts: RunSummary[]): RunSummary {
  const first = parts[0];
  if (!first) throw new Error('merge: no instance summaries');
  for (const part of parts) {
    for (const key of ['testid', 'script', 'label', 'profile'] as const) {
      if (part[key] !== first[key]) throw new Error(`merge: instance ${part.instance ?? '?'} has ${key} ${part[key]}, instance ${first.instance ?? '?'} has ${first[key]}`);
    }
  }
  const durationMs = Math.max(...parts.map((p) => p.testRunDurationMs));
  const names = [...new Set(parts.flatMap((p) => Object.keys(p.metrics)))].sort();
  const metrics: Record<string, MetricSummary> = {};
  for (const name of names) {
    const present = parts.flatMap((p) => (p.metrics[name] ? [p.metrics[name]] : []));
    const types = new Set(present.map((m) => m.type));
    if (types.size > 1) throw new Error(`merge: metric ${name} has types ${[...types].join(', ')} across instances`);
    metrics[name] = mergeMetric(name, present, durationMs);
  }
  const data: K6SummaryData = {
    state: { testRunDurationMs: durationMs },
    metrics: Object.fromEntries(
      Object.entries(metrics).map(([name, { type, contains, values, thresholds }]) => [
        name,
        { type, contains, values, ...(thresholds ? { thresholds: Object.fromEntries(Object.entries(thresholds).map(([e, ok]) => [e, { ok }])) } : {}) },
      ]),
    ),
  };
  const targets = targetRows(data);
  return {
    formatVersion: 1,
    testid: first.testid,
    script: first.script,
    label: first.label,
    profile: first.profile,
    baseUrl: first.baseUrl,
    finishedAt: parts.map((p) => p.finishedAt).sort().at(-1) ?? first.finishedAt,
    testRunDurationMs: durationMs,
    passed: targets.every((row) => row.result === 'pass'),
    baselineTestid: first.baselineTestid,
    targets,
    failingChecks: mergeFailingChecks(parts),
    metrics,
    merged: { instances: parts.map((p) => p.instance ?? '?'), percentiles: 'count-weighted mean of the instances' },
  };
}
