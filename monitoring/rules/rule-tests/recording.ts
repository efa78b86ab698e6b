/**
 * promtool unit tests of the float recording rules (the histogram quantiles are proven live in
 * tests/core/native-histogram-alerts.test.ts).
 */
import { jobs } from '../../config/stack.ts';
import { k6Custom, k6Remote, poolMetric } from '../../../contract/metrics.ts';
import { recorded } from '../../lib/recorded.ts';
import { seriesOf, type RuleTestFile } from './types.ts';

export function recordingRuleTests(): RuleTestFile {
  const probe = (service: string) => ({ job: jobs.poolProbe, service, instance: service });
  return {
    rule_files: ['../rules/recording.yml'],
    // Rules evaluate every 5s, so each checked time reads a value recorded at that very time.
    evaluation_interval: '5s',
    tests: [
      {
        interval: '15s',
        input_series: [
          { series: seriesOf(k6Remote.gauge('vus'), { testid: 'run-1', scenario: 'a' }), values: '0 5 10 10' },
          { series: seriesOf(k6Remote.gauge('vus'), { testid: 'run-1', scenario: 'b' }), values: '0 2 20 0' },
          // run-2 is split across k6 instances: each instance's VUs count once.
          { series: seriesOf(k6Remote.gauge('vus'), { testid: 'run-2', instance: 'k6-1', scenario: 'a' }), values: '0 3 3' },
          { series: seriesOf(k6Remote.gauge('vus'), { testid: 'run-2', instance: 'k6-1', scenario: 'b' }), values: '0 1 1' },
          { series: seriesOf(k6Remote.gauge('vus'), { testid: 'run-2', instance: 'k6-2', scenario: 'a' }), values: '0 4 4' },
          { series: seriesOf(k6Remote.rate(k6Custom.errors), { testid: 'run-1', scenario: 'a' }), values: '0.02x3' },
          { series: seriesOf(k6Remote.rate(k6Custom.errors), { testid: 'run-1', scenario: 'b' }), values: '0x3' },
          { series: seriesOf(k6Remote.rate('checks'), { testid: 'run-1', scenario: 'a' }), values: '1x3' },
          { series: seriesOf(k6Remote.rate('checks'), { testid: 'run-1', scenario: 'b' }), values: '0.5x3' },
          { series: seriesOf(poolMetric.healthyRatio, { ...probe('api-gateway'), pool: 'order-service' }), values: '1x3' },
          { series: seriesOf(poolMetric.healthyRatio, { ...probe('api-gateway'), pool: 'payment-service' }), values: '0.6x3' },
          { series: seriesOf(poolMetric.connections, { ...probe('api-gateway'), pool: 'order-service', state: 'ready' }), values: '5x3' },
          { series: seriesOf(poolMetric.connections, { ...probe('api-gateway'), pool: 'payment-service', state: 'ready' }), values: '3x3' },
        ],
        promql_expr_test: [
          // Evaluated between samples, so the 15s window holds one push: max over scenarios, then over time.
          {
            expr: recorded.vusMax,
            eval_time: '35s',
            exp_samples: [
              { labels: seriesOf(recorded.vusMax, { testid: 'run-1' }), value: 20 },
              { labels: seriesOf(recorded.vusMax, { testid: 'run-2' }), value: 7 },
            ],
          },
          { expr: recorded.vusMax, eval_time: '50s', exp_samples: [{ labels: seriesOf(recorded.vusMax, { testid: 'run-1' }), value: 10 }] },
          // k6 exited: no push for longer than the window, so the run is no longer active.
          { expr: recorded.vusMax, eval_time: '70s', exp_samples: [] },
          { expr: recorded.errorsRateAvg, eval_time: '30s', exp_samples: [{ labels: seriesOf(recorded.errorsRateAvg, { testid: 'run-1' }), value: 0.01 }] },
          { expr: recorded.checksRateAvg, eval_time: '30s', exp_samples: [{ labels: seriesOf(recorded.checksRateAvg, { testid: 'run-1' }), value: 0.75 }] },
          { expr: recorded.serviceHealthyRatioMin, eval_time: '30s', exp_samples: [{ labels: seriesOf(recorded.serviceHealthyRatioMin, { service: 'api-gateway' }), value: 0.6 }] },
          {
            expr: recorded.serviceConnectionsByState,
            eval_time: '30s',
            exp_samples: [{ labels: seriesOf(recorded.serviceConnectionsByState, { service: 'api-gateway', state: 'ready' }), value: 8 }],
          },
        ],
      },
      {
        // Exact on Prometheus 2 and 3 alike: evaluated between samples, the 1m window holds the same
        // three samples whether it is closed (2.x) or left-open (3.x), 40s apart, so rate()
        // extrapolates by exactly 60/40. (At a sample time 3.x sees one sample fewer and gets
        // 90 * (60/45) / 60 = 1.9999999999999998.)
        interval: '20s',
        input_series: [
          // 40 more requests every 20s: 2 per second.
          { series: seriesOf(k6Remote.counter('http_reqs'), { testid: 'run-1', name: 'create order' }), values: '0+40x10' },
          // run-2 from two k6 instances: 1 and 2 per second, 3 for the run.
          { series: seriesOf(k6Remote.counter('http_reqs'), { testid: 'run-2', instance: 'k6-1', name: 'create order' }), values: '0+20x10' },
          { series: seriesOf(k6Remote.counter('http_reqs'), { testid: 'run-2', instance: 'k6-2', name: 'create order' }), values: '0+40x10' },
        ],
        promql_expr_test: [
          {
            expr: recorded.httpReqsRate,
            eval_time: '2m10s',
            exp_samples: [
              { labels: seriesOf(recorded.httpReqsRate, { testid: 'run-1' }), value: 2 },
              { labels: seriesOf(recorded.httpReqsRate, { testid: 'run-2' }), value: 3 },
            ],
          },
        ],
      },
    ],
  };
}
