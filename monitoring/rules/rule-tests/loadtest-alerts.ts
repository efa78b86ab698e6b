/**
 * promtool unit tests of loadtest-alerts.yml on the recorded quantiles, fed directly so that they
 * run on promtool 2.42 as on 3.x; native-histograms.ts feeds k6-shaped histograms through the
 * recording rules (promtool 3.x), and tests/core/native-histogram-alerts.test.ts proves the same
 * path on a live Prometheus with remote write.
 */
import { latencyTargetService, loadTestService } from '../../config/stack.ts';
import { k6Custom, k6Remote } from '../../../contract/metrics.ts';
import { latencyAlertNameOf, loadTestAlerts } from '../loadtest-alerts.ts';
import { milliseconds, percent } from '../../lib/format.ts';
import { latencyTargetKeys, recorded } from '../../lib/recorded.ts';
import type { AlertingRule } from '../types.ts';
import { defaultSlo, latencyTargetsOf, msToSeconds, type SloConfig } from '../../config/slo-config.ts';
import { humanizeDuration, humanizePercentage } from './humanize.ts';
import { constant, seriesOf, type AlertRuleTest, type ExpectedAlert, type RuleTestFile, type TestGroup } from './types.ts';

const testid = { testid: 'run-1' };
const vus = (count: number) => ({ series: seriesOf(k6Remote.gauge('vus'), testid), values: constant(count) });

function expected(rule: AlertingRule, description: string): ExpectedAlert {
  return {
    exp_labels: { ...testid, ...rule.labels },
    exp_annotations: { summary: rule.annotations.summary, description, runbook_url: rule.annotations.runbook_url },
  };
}

export function loadTestAlertTests(slo: SloConfig = defaultSlo): RuleTestFile {
  const rules = new Map(loadTestAlerts(slo).groups.flatMap((g) => g.rules).map((rule) => [rule.alert, rule]));
  const rule = (name: string): AlertingRule => {
    const found = rules.get(name);
    if (!found) throw new Error(`load-test rule tests: no rule named ${name} in loadtest-alerts`);
    return found;
  };
  const check = (alertname: string, alerts: ExpectedAlert[]): AlertRuleTest => ({ eval_time: '2m', alertname, exp_alerts: alerts });
  const targets = latencyTargetsOf(slo);

  const latencyGroups: TestGroup[] = latencyTargetKeys.flatMap((key) => {
    const target = targets[key];
    const name = latencyAlertNameOf(key);
    const quantile = recorded.latencyQuantile(key, 0.95);
    const slow = msToSeconds(target.p95Ms * 1.2);
    const fast = msToSeconds(target.p95Ms * 0.8);
    const onLine = msToSeconds(target.p95Ms);
    const justInside = msToSeconds(target.p95Ms - 1);
    const description = (value: number): string =>
      `${target.title} p95 over the last minute of test run-1 is ${humanizeDuration(value)}, not below the ${milliseconds(target.p95Ms)} target.`;
    const firing = (value: number): TestGroup => ({
      interval: '15s',
      input_series: [{ series: seriesOf(quantile, testid), values: constant(value) }, vus(10)],
      alert_rule_test: [check(name, [expected(rule(name), description(value))])],
    });
    const silent = (value: number): TestGroup => ({
      interval: '15s',
      input_series: [{ series: seriesOf(quantile, testid), values: constant(value) }, vus(10)],
      alert_rule_test: [check(name, [])],
    });
    if (rule(name).labels.service !== latencyTargetService[key]) throw new Error(`${name}: service label is not ${latencyTargetService[key]}`);
    return [
      firing(slow),
      silent(fast),
      // k6's `p(95)<target` fails on the line itself, so the alert fires there; 1 ms under, it does not.
      firing(onLine),
      silent(justInside),
      // Slow, but the run has ended (no VU left): a finished run does not page anyone.
      { interval: '15s', input_series: [{ series: seriesOf(quantile, testid), values: constant(slow) }, vus(0)], alert_rule_test: [check(name, [])] },
      // Slow, and k6 exited with VUs still counted: its last push (at 30s) no longer makes the run active.
      {
        interval: '15s',
        input_series: [{ series: seriesOf(quantile, testid), values: constant(slow) }, { series: seriesOf(k6Remote.gauge('vus'), testid), values: '10 10 10' }],
        alert_rule_test: [check(name, [])],
      },
    ];
  });

  const errorsSeries = (value: number) => ({ series: seriesOf(k6Remote.rate(k6Custom.errors), { ...testid, scenario: 'full_flow' }), values: constant(value) });
  const checksSeries = (value: number) => ({ series: seriesOf(k6Remote.rate('checks'), { ...testid, scenario: 'full_flow' }), values: constant(value) });
  const highErrors = slo.errorRateMax * 3;
  const lowChecks = slo.checksRateMin - 0.04;
  const errorsFiring = (value: number): TestGroup => ({
    interval: '15s',
    input_series: [errorsSeries(value), vus(10)],
    alert_rule_test: [
      check('LoadTestErrorRateHigh', [
        expected(rule('LoadTestErrorRateHigh'), `Test run-1 has failed ${humanizePercentage(value)} of its requests and flows, not below the ${percent(slo.errorRateMax)} limit.`),
      ]),
    ],
  });
  const checksFiring = (value: number): TestGroup => ({
    interval: '15s',
    input_series: [checksSeries(value), vus(10)],
    alert_rule_test: [
      check('LoadTestChecksFailing', [
        expected(rule('LoadTestChecksFailing'), `Only ${humanizePercentage(value)} of the checks of test run-1 pass, not above the ${percent(slo.checksRateMin)} target.`),
      ]),
    ],
  });
  const justUnder = (value: number): number => Number((value - 0.001).toFixed(6));
  const justOver = (value: number): number => Number((value + 0.001).toFixed(6));
  const qualityGroups: TestGroup[] = [
    errorsFiring(highErrors),
    { interval: '15s', input_series: [errorsSeries(slo.errorRateMax / 2), vus(10)], alert_rule_test: [check('LoadTestErrorRateHigh', [])] },
    { interval: '15s', input_series: [errorsSeries(highErrors), vus(0)], alert_rule_test: [check('LoadTestErrorRateHigh', [])] },
    // On the line k6's `rate<max` fails, so the alert fires; just under it, not.
    errorsFiring(slo.errorRateMax),
    { interval: '15s', input_series: [errorsSeries(justUnder(slo.errorRateMax)), vus(10)], alert_rule_test: [check('LoadTestErrorRateHigh', [])] },
    checksFiring(lowChecks),
    { interval: '15s', input_series: [checksSeries(1), vus(10)], alert_rule_test: [check('LoadTestChecksFailing', [])] },
    { interval: '15s', input_series: [checksSeries(lowChecks), vus(0)], alert_rule_test: [check('LoadTestChecksFailing', [])] },
    // On the line k6's `rate>min` fails, so the alert fires; just over it, not.
    checksFiring(slo.checksRateMin),
    { interval: '15s', input_series: [checksSeries(justOver(slo.checksRateMin)), vus(10)], alert_rule_test: [check('LoadTestChecksFailing', [])] },
  ];
  if (rule('LoadTestErrorRateHigh').labels.service !== loadTestService) throw new Error('LoadTestErrorRateHigh: service label is not loadtest');
  return { rule_files: ['../rules/recording.yml', '../rules/loadtest-alerts.yml'], evaluation_interval: '15s', tests: [...latencyGroups, ...qualityGroups] };
}
