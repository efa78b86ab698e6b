/**
 * Recording rules for the queries that dashboards and alerts run most: quantiles of the k6
 * native histograms, run activity, and pool summaries. Names follow level:metric:operations.
 */
import { k6Custom, k6Remote, poolMetric } from '../../contract/metrics.ts';
import { histogramQuantile, series, trendHistogram } from '../lib/promql.ts';
import { ACTIVE_WINDOW, latencyTargetKeys, poolJobSelector, recorded, RECORDED_QUANTILES, RECORDING_WINDOW } from '../lib/recorded.ts';
import type { RecordingRule, RuleFile } from './types.ts';

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
          // Max over one instance's series, summed over the k6 instances of a split run (--instances).
          {
            record: recorded.vusMax,
            expr: `sum by (testid) (max by (testid, instance) (max_over_time(${k6Remote.gauge('vus')}[${ACTIVE_WINDOW}])))`,
          },
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
