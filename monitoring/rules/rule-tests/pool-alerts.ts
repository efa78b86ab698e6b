/**
 * promtool unit tests of pool-alerts.yml: every alert firing on bad input and silent on good input,
 * with inputs placed on either side of the slo.pool lines so the tests follow the SLO module.
 */
import { jobs, poolExporterService } from '../../config/stack.ts';
import { poolMetric } from '../../../contract/metrics.ts';
import { poolAlerts } from '../pool-alerts.ts';
import type { AlertingRule } from '../types.ts';
import { defaultSlo, type SloConfig } from '../../config/slo-config.ts';
import { percent } from '../../lib/format.ts';
import { humanizePercentage } from './humanize.ts';
import { constant, seriesOf, type ExpectedAlert, type RuleTestFile, type TestGroup } from './types.ts';

const target = { job: jobs.poolProbe, service: 'order-service', instance: 'order-service' };
const pool = { ...target, pool: 'payment-service' };

function expected(rule: AlertingRule, labels: Record<string, string>, description: string): ExpectedAlert {
  return {
    exp_labels: { ...labels, ...rule.labels },
    exp_annotations: { summary: rule.annotations.summary, description, runbook_url: rule.annotations.runbook_url },
  };
}

function ratioGroup(value: number, firing: Partial<Record<'GrpcPoolUnhealthy' | 'GrpcPoolDegraded', string>>, rules: Map<string, AlertingRule>): TestGroup {
  return {
    interval: '15s',
    input_series: [{ series: seriesOf(poolMetric.healthyRatio, pool), values: constant(value) }],
    alert_rule_test: (['GrpcPoolUnhealthy', 'GrpcPoolDegraded'] as const).map((alertname) => {
      const description = firing[alertname];
      const rule = rules.get(alertname);
      if (!rule) throw new Error(`pool rule tests: no rule named ${alertname} in pool-alerts`);
      return {
        eval_time: '2m',
        alertname,
        exp_alerts: description === undefined ? [] : [expected(rule, pool, description)],
      };
    }),
  };
}

export function poolAlertTests(slo: SloConfig = defaultSlo): RuleTestFile {
  const rules = new Map(poolAlerts(slo).groups.flatMap((g) => g.rules).map((rule) => [rule.alert, rule]));
  const rule = (name: string): AlertingRule => {
    const found = rules.get(name);
    if (!found) throw new Error(`pool rule tests: no rule named ${name} in pool-alerts`);
    return found;
  };
  const { unhealthyBelowRatio: unhealthy, degradedBelowRatio: degraded } = slo.pool;
  const unhealthyValue = unhealthy / 2;
  const degradedValue = (unhealthy + degraded) / 2;
  const ratioText = (value: number, line: number, band: string): string =>
    `Pool payment-service of order-service has ${humanizePercentage(value)} of its connections READY or IDLE, below the ${percent(line)} ${band} line.`;
  const exporter = { job: jobs.poolExporter, instance: 'pool-exporter:9470', service: poolExporterService };
  const probeFailingText =
    'The pool health of order-service (instance order-service) cannot be read: the service is down, unreachable, or answers something that is not the pool health contract, or the exporter does not answer the probe for this target.';

  const tests: TestGroup[] = [
    ratioGroup(unhealthyValue, { GrpcPoolUnhealthy: ratioText(unhealthyValue, unhealthy, 'unhealthy') }, rules),
    ratioGroup(degradedValue, { GrpcPoolDegraded: ratioText(degradedValue, degraded, 'degraded') }, rules),
    // Just below each line, then exactly on it: on the line the pool is in the better band.
    ratioGroup(unhealthy - 0.05, { GrpcPoolUnhealthy: ratioText(unhealthy - 0.05, unhealthy, 'unhealthy') }, rules),
    ratioGroup(degraded - 0.05, { GrpcPoolDegraded: ratioText(degraded - 0.05, degraded, 'degraded') }, rules),
    ratioGroup(unhealthy, { GrpcPoolDegraded: ratioText(unhealthy, degraded, 'degraded') }, rules),
    ratioGroup(degraded, {}, rules),
    ratioGroup(1, {}, rules),
    {
      // Unhealthy for 20s only, then recovered: shorter than `for`, so it never fires.
      interval: '10s',
      input_series: [{ series: seriesOf(poolMetric.healthyRatio, pool), values: `0 0 1x20` }],
      alert_rule_test: [{ eval_time: '1m', alertname: 'GrpcPoolUnhealthy', exp_alerts: [] }],
    },
    {
      interval: '15s',
      input_series: [
        { series: seriesOf(poolMetric.connections, { ...pool, state: 'transient_failure' }), values: constant(2) },
        { series: seriesOf(poolMetric.connections, { ...pool, pool: 'user-service', state: 'transient_failure' }), values: constant(0) },
      ],
      alert_rule_test: [
        {
          eval_time: '2m',
          alertname: 'GrpcPoolConnectionsFailing',
          exp_alerts: [
            expected(rule('GrpcPoolConnectionsFailing'), { ...pool, state: 'transient_failure' }, 'Pool payment-service of order-service has 2 connection(s) in TRANSIENT_FAILURE.'),
          ],
        },
      ],
    },
    {
      interval: '15s',
      input_series: [
        { series: seriesOf(poolMetric.managerStatus, { ...target, status: 'unavailable' }), values: constant(1) },
        { series: seriesOf(poolMetric.managerStatus, { ...target, status: 'healthy' }), values: constant(0) },
        { series: seriesOf(poolMetric.managerStatus, { ...target, service: 'api-gateway', instance: 'api-gateway', status: 'unavailable' }), values: constant(0) },
      ],
      alert_rule_test: [
        {
          eval_time: '1m',
          alertname: 'GrpcPoolManagerUnavailable',
          exp_alerts: [
            expected(rule('GrpcPoolManagerUnavailable'), { ...target, status: 'unavailable' }, 'order-service answers /health/pools/detailed with status unavailable: its pool manager is not initialised, so it holds no pooled connections.'),
          ],
        },
      ],
    },
    {
      interval: '15s',
      input_series: [
        { series: seriesOf(poolMetric.probeSuccess, target), values: constant(0) },
        { series: seriesOf(poolMetric.probeSuccess, { ...target, service: 'api-gateway', instance: 'api-gateway' }), values: constant(1) },
      ],
      alert_rule_test: [
        {
          eval_time: '2m',
          alertname: 'PoolHealthProbeFailing',
          exp_alerts: [
            expected(rule('PoolHealthProbeFailing'), target, probeFailingText),
          ],
        },
      ],
    },
    {
      // The probe scrape itself fails (an unknown target name gets a 400): no probe_success series at all.
      interval: '15s',
      input_series: [
        { series: seriesOf('up', target), values: constant(0) },
        { series: seriesOf('up', { ...target, service: 'api-gateway', instance: 'api-gateway' }), values: constant(1) },
      ],
      alert_rule_test: [{ eval_time: '2m', alertname: 'PoolHealthProbeFailing', exp_alerts: [expected(rule('PoolHealthProbeFailing'), target, probeFailingText)] }],
    },
    {
      interval: '15s',
      input_series: [{ series: seriesOf('up', exporter), values: constant(0) }],
      alert_rule_test: [
        {
          eval_time: '2m',
          alertname: 'PoolExporterDown',
          exp_alerts: [
            expected(rule('PoolExporterDown'), exporter, 'Prometheus cannot scrape the pool exporter (job pool-exporter, instance pool-exporter:9470); no pool series are collected while it is down.'),
          ],
        },
      ],
    },
    {
      // Not scraped at all (no up series): absent() fires, with the job label it can infer.
      interval: '15s',
      input_series: [{ series: seriesOf('up', { job: 'prometheus', instance: 'prometheus:9090' }), values: constant(1) }],
      alert_rule_test: [
        {
          eval_time: '2m',
          alertname: 'PoolExporterDown',
          exp_alerts: [
            expected(rule('PoolExporterDown'), { job: jobs.poolExporter, service: poolExporterService }, 'Prometheus cannot scrape the pool exporter (job pool-exporter); no pool series are collected while it is down.'),
          ],
        },
      ],
    },
    {
      // Everything fine: none of the pool alerts fires.
      interval: '15s',
      input_series: [
        { series: seriesOf('up', exporter), values: constant(1) },
        { series: seriesOf('up', target), values: constant(1) },
        { series: seriesOf(poolMetric.probeSuccess, target), values: constant(1) },
        { series: seriesOf(poolMetric.managerStatus, { ...target, status: 'unavailable' }), values: constant(0) },
        { series: seriesOf(poolMetric.connections, { ...pool, state: 'transient_failure' }), values: constant(0) },
        { series: seriesOf(poolMetric.healthyRatio, pool), values: constant(1) },
      ],
      alert_rule_test: [...rules.keys()].map((alertname) => ({ eval_time: '5m', alertname, exp_alerts: [] })),
    },
  ];
  return { rule_files: ['../rules/pool-alerts.yml'], evaluation_interval: '15s', tests };
}
