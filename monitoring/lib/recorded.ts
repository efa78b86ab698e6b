/**
 * Names of the recorded series (level:metric:operations) and their windows: the recording rules
 * write them, alerts and dashboards read them, so both import them from here.
 */
import { jobs } from '../config/stack.ts';
import { k6Custom, k6Remote, poolMetric } from '../../contract/metrics.ts';
import { latencyTargets, type LatencyTargetKey } from '../config/slo.ts';
import { quantileName, trendHistogram } from './promql.ts';

/** Window of the recorded quantiles: k6 pushes every 5s, so 1m holds about a dozen samples. */
export const RECORDING_WINDOW = '1m';
/**
 * A run is active while k6 pushed a VU count above zero within this window. k6 pushes every 5s and
 * sends no staleness marker when it exits, so its last VU count would otherwise linger for 5m.
 */
export const ACTIVE_WINDOW = '15s';
export const RECORDED_QUANTILES = [0.5, 0.95, 0.99] as const;
/** Every latency target of slo.ts, in its order (a target added there gets rules, alerts and panels). */
export const latencyTargetKeys = Object.keys(latencyTargets) as readonly LatencyTargetKey[];

/** Recorded names, used by alerts, dashboards and tests (never spelled twice). */
export const recorded = {
  latencyQuantile: (target: LatencyTargetKey, q: number): string =>
    `testid:${trendHistogram(target)}:${quantileName(q)}_rate${RECORDING_WINDOW}`,
  vusMax: `testid:${k6Remote.gauge('vus')}:max${ACTIVE_WINDOW}`,
  httpReqsRate: `testid:${k6Remote.counter('http_reqs').replace(/_total$/, '')}:rate${RECORDING_WINDOW}`,
  errorsRateAvg: `testid:${k6Remote.rate(k6Custom.errors)}:avg`,
  checksRateAvg: `testid:${k6Remote.rate('checks')}:avg`,
  serviceConnectionsByState: `service_state:${poolMetric.connections}:sum`,
  serviceHealthyRatioMin: `service:${poolMetric.healthyRatio}:min`,
} as const;

/** The selector of every pool series: only what the probe job scraped. */
export const poolJobSelector = `job="${jobs.poolProbe}"`;
