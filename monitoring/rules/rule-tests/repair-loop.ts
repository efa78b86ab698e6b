/**
 * promtool unit tests for the real gateway's 30 s repair loop (fixtures/real-gateway:
 * gw-timeline-no-backends.txt, gw-payment-stopped-no-traffic.json). A backend stops; under light
 * traffic its pool fails, is repaired to IDLE ("healthy") every ~30 s and fails again; then traffic
 * stops and the pool shows 5 IDLE, "healthy", while the backend is still down; then it comes back.
 *
 * Samples every 8 s (a 32 s repair cycle: 3 failing samples, 1 repaired): 60 s is not a multiple
 * of 8, so no sample sits on a window's edge and Prometheus 2.x (closed windows) and 3.x (left-open
 * windows) average the same 8 samples. Every 8 s evaluation is checked: an alert that reset even once
 * would be pending, not firing, at one of them.
 */
import { jobs } from '../../config/stack.ts';
import { blackboxMetric, poolMetric } from '../../../contract/metrics.ts';
import { POOL_WINDOW } from '../../lib/promql.ts';
import { poolAlerts } from '../pool-alerts.ts';
import { serviceAlerts } from '../service-alerts.ts';
import type { AlertingRule } from '../types.ts';
import { defaultSlo, type SloConfig } from '../../config/slo-config.ts';
import { humanizePercentage } from './humanize.ts';
import type { AlertRuleTest, ExpectedAlert, RuleTestFile, TestGroup } from './types.ts';
import { seriesOf } from './types.ts';

export const REPAIR_LOOP_STEP_SECONDS = 8;
const step = REPAIR_LOOP_STEP_SECONDS;

/** Phases, in samples of 8 s. */
const phase = {
  healthy: 8, // 0 .. 56 s: backend up, traffic, READY
  flapping: 32, // 64 .. 312 s: backend down, ~1 req/s: fail, repair to IDLE, fail again
  quiet: 24, // 320 .. 504 s: backend still down, no traffic: 5 IDLE, "healthy"
  back: 16, // 512 .. 632 s: backend up again
} as const;
const downAt = phase.healthy * step;
const quietAt = downAt + phase.flapping * step;
const backAt = quietAt + phase.quiet * step;
const endAt = backAt + (phase.back - 1) * step;

/** One repair cycle of the pool: failing for three samples, then one repaired (all IDLE). */
const cycle = <T>(failing: T, repaired: T): T[] => [failing, failing, failing, repaired];
const repeat = <T>(values: T[], times: number): T[] => Array.from({ length: times }, () => values).flat();
const fill = <T>(value: T, count: number): T[] => Array.from({ length: count }, () => value);

const ratioValues = [...fill(1, phase.healthy), ...repeat(cycle(0, 1), phase.flapping / 4), ...fill(1, phase.quiet), ...fill(1, phase.back)];
const failedValues = [...fill(0, phase.healthy), ...repeat(cycle(5, 0), phase.flapping / 4), ...fill(0, phase.quiet), ...fill(0, phase.back)];
const healthValues = [...fill(1, phase.healthy), ...fill(0, phase.flapping + phase.quiet), ...fill(1, phase.back)];
const values = (list: number[]): string => list.join(' ');

const gateway = { job: jobs.poolProbe, service: 'api-gateway', instance: 'api-gateway' };
const paymentPool = { ...gateway, pool: 'payment-service' };
const userPool = { ...gateway, pool: 'user-service' };
const paymentHealth = { job: jobs.grpcHealth, service: 'payment-service', instance: 'payment-service:9006' };
const userHealth = { job: jobs.grpcHealth, service: 'user-service', instance: 'user-service:9001' };

/** Evaluation times from `from` to `to` seconds, every step. */
function times(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
}

export function repairLoopTests(slo: SloConfig = defaultSlo): RuleTestFile {
  const rules = new Map([...poolAlerts(slo).groups, ...serviceAlerts(slo).groups].flatMap((g) => g.rules).map((r) => [r.alert, r]));
  const rule = (name: string): AlertingRule => {
    const found = rules.get(name);
    if (!found) throw new Error(`repair-loop rule tests: no rule named ${name}`);
    return found;
  };
  const expected = (name: string, labels: Record<string, string>, description: string): ExpectedAlert => {
    const r = rule(name);
    return { exp_labels: { ...labels, ...r.labels }, exp_annotations: { summary: r.annotations.summary, description, runbook_url: r.annotations.runbook_url } };
  };
  const check = (t: number, alertname: string, alerts: ExpectedAlert[]): AlertRuleTest => ({ eval_time: `${t}s`, alertname, exp_alerts: alerts });
  const unhealthyText = (value: number): string =>
    `Pool payment-service of api-gateway had on average ${humanizePercentage(value)} of its connections usable (READY or IDLE, to a backend that passes its gRPC health check) over the last ${POOL_WINDOW}, below the ${humanizePercentage(slo.pool.unhealthyBelowRatio)} unhealthy line.`;
  const unhealthy = (value: number): ExpectedAlert => expected('GrpcPoolUnhealthy', paymentPool, unhealthyText(value));
  const backendDown = expected(
    'GrpcBackendDown',
    paymentHealth,
    'payment-service (payment-service:9006) does not answer grpc.health.v1.Health/Check with SERVING: it is down, unreachable or not serving. Every pool to it is unusable, whatever state its connections report.',
  );
  const poolSeries = [
    { series: seriesOf(poolMetric.healthyRatio, paymentPool), values: values(ratioValues) },
    { series: seriesOf(poolMetric.connections, { ...paymentPool, state: 'transient_failure' }), values: values(failedValues) },
    // A pool to a backend that stays up: nothing may fire for it.
    { series: seriesOf(poolMetric.healthyRatio, userPool), values: values(fill(1, ratioValues.length)) },
  ];
  // Three failing samples and one repaired in every 8-sample window: 2 of 8 usable.
  const flappingAverage = 0.25;
  // Pending from the first window below 50 % (104 s), firing 30 s later (for: 30s) at the next evaluation.
  const firesAt = 136;

  const withoutHealthProbe: TestGroup = {
    // The pool series alone: the window keeps the alert through every repair, but once traffic stops
    // the pool is all IDLE and it resolves although the backend is down. That is what the probe is for.
    interval: `${step}s`,
    input_series: poolSeries,
    alert_rule_test: [
      check(firesAt - step, 'GrpcPoolUnhealthy', []),
      ...times(firesAt, quietAt - step).map((t) => check(t, 'GrpcPoolUnhealthy', [unhealthy(flappingAverage)])),
      check(quietAt + 4 * step, 'GrpcPoolUnhealthy', []),
      // TRANSIENT_FAILURE seen within every window of the flapping phase: fires after its `for: 1m`.
      ...times(downAt + 8 * step, quietAt - step).map((t) =>
        check(t, 'GrpcPoolConnectionsFailing', [
          expected('GrpcPoolConnectionsFailing', { ...paymentPool, state: 'transient_failure' }, `Pool payment-service of api-gateway had up to 5 connection(s) in TRANSIENT_FAILURE in the last ${POOL_WINDOW}.`),
        ]),
      ),
    ],
  };

  const withHealthProbe: TestGroup = {
    interval: `${step}s`,
    input_series: [
      ...poolSeries,
      { series: seriesOf(blackboxMetric.probeSuccess, paymentHealth), values: values(healthValues) },
      { series: seriesOf(blackboxMetric.probeSuccess, userHealth), values: values(fill(1, healthValues.length)) },
    ],
    alert_rule_test: [
      // The health check fails from the stop on, with or without traffic: both fire 30 s later (for: 30s).
      check(downAt + 3 * step, 'GrpcBackendDown', []),
      check(downAt + 3 * step, 'GrpcPoolUnhealthy', []),
      ...times(downAt + 4 * step, backAt - step).flatMap((t) => [check(t, 'GrpcBackendDown', [backendDown]), check(t, 'GrpcPoolUnhealthy', [unhealthy(0)])]),
      // Back: both resolve at the first evaluation that sees the backend serving.
      check(backAt, 'GrpcBackendDown', []),
      check(backAt, 'GrpcPoolUnhealthy', []),
      check(endAt, 'GrpcPoolUnhealthy', []),
      check(endAt, 'GrpcPoolDegraded', []),
    ],
  };

  return { rule_files: ['../rules/pool-alerts.yml', '../rules/service-alerts.yml'], evaluation_interval: `${step}s`, tests: [withoutHealthProbe, withHealthProbe] };
}
