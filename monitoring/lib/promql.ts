/**
 * PromQL shared by the dashboards and the rules, so a query reads the same in both places.
 * Selectors are passed without braces: `testid=~"$testid"`.
 */
import { k6Remote } from '../../contract/metrics.ts';
import { k6TrendForTarget } from '../config/metrics.ts';
import type { LatencyTargetKey } from '../config/slo.ts';

/** `name{selector}`, or `name` alone when the selector is empty. */
export function series(name: string, selector = ''): string {
  return selector === '' ? name : `${name}{${selector}}`;
}

/** The native-histogram series of a k6 time trend, e.g. k6_full_flow_duration_seconds. */
export function trendHistogram(target: LatencyTargetKey): string {
  return k6Remote.trendSeconds(k6TrendForTarget[target]);
}

/** A quantile of a native histogram over a sliding window, per label set in `by`. */
export function histogramQuantile(q: number, metric: string, selector: string, window: string, by = 'testid'): string {
  return `histogram_quantile(${q}, sum by (${by}) (rate(${series(metric, selector)}[${window}])))`;
}

/**
 * A quantile over the whole dashboard range: increase() over $__range, evaluated as an instant
 * query. `by` empty: one quantile over every selected series.
 */
export function wholeRangeQuantile(q: number, metric: string, selector: string, by = 'testid'): string {
  const sum = by === '' ? 'sum' : `sum by (${by}) `;
  return `histogram_quantile(${q}, ${sum}(increase(${series(metric, selector)}[$__range])))`;
}

/** Per-second rate of a counter, summed per label set in `by`. */
export function sumRate(metric: string, selector: string, window: string, by: string): string {
  return `sum by (${by}) (rate(${series(metric, selector)}[${window}]))`;
}

/** Format a quantile for a rule name: 0.95 -> p95, 0.5 -> p50. */
export function quantileName(q: number): string {
  return `p${Math.round(q * 100)}`;
}
