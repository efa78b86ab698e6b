/**
 * PromQL shared by the dashboards and the rules, so a query reads the same in both places.
 * Selectors are passed without braces: `testid=~"$testid"`.
 */
import { backendLabel, jobs } from '../config/stack.ts';
import { blackboxMetric, gatewayMetric, grpcClientStatus, k6Remote, poolMetric } from '../../contract/metrics.ts';
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

/**
 * Window of the pool alerts and panels: twice the real pool manager's 30 s repair period, so a
 * pool that is repaired to IDLE and fails again stays in view between repairs.
 */
export const POOL_WINDOW = '1m';

/**
 * Backends that fail their gRPC health check, with their name copied to `pool`: the pool series
 * name a pool after the backend it dials (`pool="payment-service"`), the probe names the backend
 * as `service`.
 */
export function backendsDownAsPools(): string {
  return `label_replace(${series(blackboxMetric.probeSuccess, `job="${jobs.grpcHealth}"`)} == 0, "pool", "$1", "service", "(.+)")`;
}

/**
 * The share of a pool's connections that can serve: the healthy ratio averaged over POOL_WINDOW
 * (a pool that fails again after every repair stays low; a single bad scrape does not fire), and
 * 0 while the pool's backend fails its gRPC health check (IDLE connections to a dead backend are
 * not healthy). Pools whose backend has no health probe keep the windowed ratio.
 */
export function poolUsableRatio(selector = `job="${jobs.poolProbe}"`): string {
  const ratio = series(poolMetric.healthyRatio, selector);
  const down = backendsDownAsPools();
  return `((avg_over_time(${ratio}[${POOL_WINDOW}]) unless on (pool) ${down}) or (0 * ${ratio} and on (pool) ${down}))`;
}

/** The gateway's series, as the service-metrics job scrapes them. */
export const serviceMetricsSelector = `job="${jobs.serviceMetrics}"`;
/** Per gateway (service) and backend. */
export const perBackend = `service, ${backendLabel}`;

/** The gateway's gRPC client error ratio per backend over `window` (no calls, no series). */
export function clientErrorRatio(window: string, selector = serviceMetricsSelector): string {
  const requests = (extra: string): string => `sum by (${perBackend}) (rate(${series(gatewayMetric.grpcClientRequests, `${selector}${extra}`)}[${window}]))`;
  return `${requests(`,status="${grpcClientStatus.error}"`)} / ${requests('')}`;
}

/** The gateway's gRPC client latency quantile per backend over `window` (failed calls included: the histogram has no status). */
export function clientLatencyQuantile(q: number, window: string, selector = serviceMetricsSelector): string {
  return `histogram_quantile(${q}, sum by (${perBackend}, le) (rate(${series(`${gatewayMetric.grpcClientDuration}_bucket`, selector)}[${window}])))`;
}
