/**
 * Recording rules for the queries that dashboards and alerts run most: quantiles of the k6
 * native histograms, run activity, and pool summaries. Names follow level:metric:operations.
 */
import { jobs } from '../../config.ts';
import { k6Custom, k6Remote, poolMetric } from '../../metrics.ts';
import type { LatencyTargetKey } from '../../slo.ts';
import { histogramQuantile, quantileName, series, trendHistogram } from '../promql.ts';
import type { RecordingRule, RuleFile } from './types.ts';

/** Window of the recorded quantiles: k6 pushes every 5s, so 1m holds about a dozen samples. */
export const RECORDING_WINDOW = '1m';
export const RECORDED_QUANTILES = [0.5, 0.95, 0.99] as const;
export const latencyTargetKeys: readonly LatencyTargetKey[] = ['fullFlow', 'apiGateway', 'orderService', 'paymentService'];

/** Recorded names, used by alerts, dashboards and tests (never spelled twice). */
export const recorded = {
  latencyQuantile: (target: LatencyTargetKey, q: number): string =>
    `testid:${trendHistogram(target)}:${quantileName(q)}_rate${RECORDING_WINDOW}`,
  vusMax: `testid:${k6Remote.gauge('vus')}:max`,
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
          // A run counts as active while any VU is running; load-test alerts join on this.
          { record: recorded.vusMax, expr: `max by (testid) (${k6Remote.gauge('vus')})` },
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
