/**
 * Recording rules for the queries that dashboards and alerts run most: quantiles of the k6
 * native histograms, run activity, and pool summaries. Names follow level:metric:operations.
 */
import { jobs } from '../config/stack.ts';
import { k6Custom, k6Remote, poolMetric } from '../config/metrics.ts';
import { latencyTargets, type LatencyTargetKey } from '../config/slo.ts';
import { histogramQuantile, quantileName, series, trendHistogram } from '../lib/promql.ts';
import type { RecordingRule, RuleFile } from './types.ts';

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

export function recordingRules(): RuleFile<RecordingRule> {
  const quantiles: RecordingRule[] = latencyTargetKeys.flatMap((target) =>
    RECORDED_QUANTILES.map((q) => ({
      record: recorded.latencyQuantile(target, q),
      expr: histogramQuantile(q, trendHistogram(target), '', RECORDING_WINDOW),
    })),
  );
  return {
    groups: [
      {
        name: 'k6-loadtest.recording',
        rules: [
          // Load-test alerts join on this: a run counts as active while it reports running VUs.
          { record: recorded.vusMax, expr: `max by (testid) (max_over_time(${k6Remote.gauge('vus')}[${ACTIVE_WINDOW}]))` },
          ...quantiles,
          {
            record: recorded.httpReqsRate,
            expr: `sum by (testid) (rate(${k6Remote.counter('http_reqs')}[${RECORDING_WINDOW}]))`,
          },
          // k6 sends a Rate as the share of non-zero samples so far, per tag set: average the tag sets.
          { record: recorded.errorsRateAvg, expr: `avg by (testid) (${k6Remote.rate(k6Custom.errors)})` },
          { record: recorded.checksRateAvg, expr: `avg by (testid) (${k6Remote.rate('checks')})` },
        ],
      },
      {
        name: 'grpc-pools.recording',
        rules: [
          {
            record: recorded.serviceConnectionsByState,
            expr: `sum by (service, state) (${series(poolMetric.connections, poolJobSelector)})`,
          },
          {
            record: recorded.serviceHealthyRatioMin,
            expr: `min by (service) (${series(poolMetric.healthyRatio, poolJobSelector)})`,
          },
        ],
      },
    ],
  };
}
