/**
 * promtool unit tests of service-alerts.yml: a backend failing its gRPC health check, the gateway's
 * gRPC client error ratio and p95 per backend (inputs on either side of slo.grpcClient), and
 * blackbox_exporter down. Series carry the labels the service-metrics job gives them: `service` is
 * the gateway, `backend` the gRPC backend it calls.
 */
import { backendLabel, blackboxExporterService, jobs } from '../../config/stack.ts';
import { blackboxMetric, gatewayMetric, grpcClientStatus } from '../../../contract/metrics.ts';
import { milliseconds, percent } from '../../lib/format.ts';
import { CLIENT_WINDOW, serviceAlerts } from '../service-alerts.ts';
import type { AlertingRule } from '../types.ts';
import { defaultSlo, msToSeconds, type SloConfig } from '../../config/slo-config.ts';
import { humanizeDuration, humanizePercentage } from './humanize.ts';
import { constant, seriesOf, type ExpectedAlert, type RuleTestFile, type TestGroup } from './types.ts';

const gateway = { job: jobs.serviceMetrics, service: 'api-gateway', instance: 'api-gateway:8000' };
const payment = { ...gateway, [backendLabel]: 'payment-service' };
const health = { job: jobs.grpcHealth, service: 'payment-service', instance: 'payment-service:9006' };

/** A counter growing by `perStep` every 15 s sample. */
const counter = (perStep: number): string => `0+${perStep}x20`;

export function serviceAlertTests(slo: SloConfig = defaultSlo): RuleTestFile {
  const rules = new Map(serviceAlerts(slo).groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
  const rule = (name: string): AlertingRule => {
    const found = rules.get(name);
    if (!found) throw new Error(`service rule tests: no rule named ${name} in service-alerts`);
    return found;
  };
  const expected = (name: string, labels: Record<string, string>, description: string): ExpectedAlert => {
    const r = rule(name);
    return { exp_labels: { ...labels, ...r.labels }, exp_annotations: { summary: r.annotations.summary, description, runbook_url: r.annotations.runbook_url } };
  };
  const { errorRatioMax, p95Ms } = slo.grpcClient;
  const pair = { service: payment.service, [backendLabel]: payment[backendLabel] };

  /** Calls to payment-service: `errors` of every `total` fail, each step. */
  const calls = (errors: number, total: number): TestGroup['input_series'] => [
    { series: seriesOf(gatewayMetric.grpcClientRequests, { ...payment, method: 'ProcessPayment', status: grpcClientStatus.error }), values: counter(errors) },
    { series: seriesOf(gatewayMetric.grpcClientRequests, { ...payment, method: 'ProcessPayment', status: grpcClientStatus.success }), values: counter(total - errors) },
  ];
  const errorText = (ratio: number): string =>
    `${humanizePercentage(ratio)} of the gRPC calls of api-gateway to payment-service failed in the last ${CLIENT_WINDOW}, above the ${percent(errorRatioMax)} line.`;

  /** Every call of the step lands in the bucket whose upper bound is `le` (seconds). */
  const latency = (le: number): TestGroup['input_series'] => {
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    return [...bounds.map(String), '+Inf'].map((bound) => ({
      series: seriesOf(`${gatewayMetric.grpcClientDuration}_bucket`, { ...payment, method: 'ProcessPayment', le: bound }),
      values: counter(bound === '+Inf' || Number(bound) >= le ? 10 : 0),
    }));
  };
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  /** histogram_quantile's linear interpolation inside the bucket that holds every call. */
  const p95In = (le: number): number => {
    const lower = [0, ...bounds][bounds.indexOf(le)] ?? 0;
    return lower + (le - lower) * 0.95;
  };
  const slowBucket = bounds.find((b) => b > msToSeconds(p95Ms)) ?? 10;
  const fastBucket = [...bounds].reverse().find((b) => p95In(b) <= msToSeconds(p95Ms)) ?? 0.005;
  const latencyText = (seconds: number): string =>
    `The p95 of the gRPC calls of api-gateway to payment-service is ${humanizeDuration(seconds)} over the last ${CLIENT_WINDOW}, above the ${milliseconds(p95Ms)} target.`;

  const tests: TestGroup[] = [
    {
      // No traffic needed: the probe alone says the backend is down.
      interval: '15s',
      input_series: [{ series: seriesOf(blackboxMetric.probeSuccess, health), values: constant(0) }],
      alert_rule_test: [
        { eval_time: '15s', alertname: 'GrpcBackendDown', exp_alerts: [] },
        {
          eval_time: '45s',
          alertname: 'GrpcBackendDown',
          exp_alerts: [
            expected(
              'GrpcBackendDown',
              health,
              'payment-service (payment-service:9006) does not answer grpc.health.v1.Health/Check with SERVING: it is down, unreachable or not serving. Every pool to it is unusable, whatever state its connections report.',
            ),
          ],
        },
      ],
    },
    { interval: '15s', input_series: [{ series: seriesOf(blackboxMetric.probeSuccess, health), values: constant(1) }], alert_rule_test: [{ eval_time: '5m', alertname: 'GrpcBackendDown', exp_alerts: [] }] },
    // 4 of 10 calls fail: above the line.
    { interval: '15s', input_series: calls(4, 10), alert_rule_test: [{ eval_time: '3m', alertname: 'GrpcClientErrorRatioHigh', exp_alerts: [expected('GrpcClientErrorRatioHigh', pair, errorText(0.4))] }] },
    // 1 of 50 fails: under the line.
    { interval: '15s', input_series: calls(1, 50), alert_rule_test: [{ eval_time: '3m', alertname: 'GrpcClientErrorRatioHigh', exp_alerts: [] }] },
    // No failure yet: the gateway has no error series at all, and nothing fires.
    {
      interval: '15s',
      input_series: [{ series: seriesOf(gatewayMetric.grpcClientRequests, { ...payment, method: 'ProcessPayment', status: grpcClientStatus.success }), values: counter(10) }],
      alert_rule_test: [{ eval_time: '3m', alertname: 'GrpcClientErrorRatioHigh', exp_alerts: [] }],
    },
    {
      interval: '15s',
      input_series: latency(slowBucket),
      alert_rule_test: [{ eval_time: '3m', alertname: 'GrpcClientLatencyHigh', exp_alerts: [expected('GrpcClientLatencyHigh', pair, latencyText(p95In(slowBucket)))] }],
    },
    { interval: '15s', input_series: latency(fastBucket), alert_rule_test: [{ eval_time: '3m', alertname: 'GrpcClientLatencyHigh', exp_alerts: [] }] },
    {
      interval: '15s',
      input_series: [{ series: seriesOf('up', { job: jobs.blackboxExporter, instance: 'blackbox-exporter:9115', service: blackboxExporterService }), values: constant(0) }],
      alert_rule_test: [
        {
          eval_time: '2m',
          alertname: 'BlackboxExporterDown',
          exp_alerts: [
            expected(
              'BlackboxExporterDown',
              { job: jobs.blackboxExporter, instance: 'blackbox-exporter:9115' },
              'Prometheus cannot scrape blackbox_exporter (blackbox-exporter:9115); GrpcBackendDown cannot fire while it is down.',
            ),
          ],
        },
      ],
    },
    {
      interval: '15s',
      input_series: [{ series: seriesOf('up', { job: jobs.blackboxExporter, instance: 'blackbox-exporter:9115', service: blackboxExporterService }), values: constant(1) }],
      alert_rule_test: [{ eval_time: '2m', alertname: 'BlackboxExporterDown', exp_alerts: [] }],
    },
  ];
  return { rule_files: ['../rules/service-alerts.yml'], evaluation_interval: '15s', tests };
}
