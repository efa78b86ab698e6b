/**
 * slo.ts is the single source of truth: a changed target changes the generated dashboard
 * thresholds, the alert thresholds and the promtool tests together, and nothing else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArtifacts } from '../../monitoring/generators/artifacts.ts';
import { defaultSlo, type SloConfig } from '../../monitoring/generators/slo-config.ts';
import { loadTestAlerts } from '../../monitoring/generators/rules/loadtest-alerts.ts';
import { poolAlerts } from '../../monitoring/generators/rules/pool-alerts.ts';
import { loadTestDashboard } from '../../dashboards/loadtest.ts';
import { poolsDashboard } from '../../dashboards/pools.ts';

function changed(paths: (slo: SloConfig) => void): Map<string, string> {
  const before = new Map(buildArtifacts().map((a) => [a.path, a.content]));
  const copy = structuredClone(defaultSlo) as SloConfig;
  paths(copy);
  const after = buildArtifacts(copy);
  return new Map(after.filter((a) => before.get(a.path) !== a.content).map((a) => [a.path, a.content]));
}

const thresholdValues = (json: string): number[] =>
  [...json.matchAll(/"value": (-?[0-9.]+),\s*"color"/g)].map((m) => Number(m[1]));

test('full-flow p95 250 -> 275 ms: dashboards, alert and its unit test follow', () => {
  const diff = changed((slo) => {
    (slo.fullFlow as { p95Ms: number }).p95Ms = 275;
  });
  assert.deepEqual([...diff.keys()].sort(), [
    'monitoring/grafana/dashboards/grpc-pool-loadtest.json',
    'monitoring/grafana/dashboards/grpc-pool-overview.json',
    'monitoring/prometheus/rules/loadtest-alerts.yml',
    'monitoring/prometheus/tests/loadtest-alerts.test.yml',
  ]);
  assert.match(diff.get('monitoring/prometheus/rules/loadtest-alerts.yml') ?? '', /testid:k6_full_flow_duration_seconds:p95_rate1m > 0\.275 and on \(testid\)/);
  assert.ok(thresholdValues(diff.get('monitoring/grafana/dashboards/grpc-pool-loadtest.json') ?? '').includes(0.275));
  assert.ok(!thresholdValues(diff.get('monitoring/grafana/dashboards/grpc-pool-loadtest.json') ?? '').includes(0.25));
});

test('pool lines 0.5/0.8 -> 0.4/0.9: pool alerts, their tests and the pools dashboard follow', () => {
  const slo = structuredClone(defaultSlo) as SloConfig;
  (slo.pool as { unhealthyBelowRatio: number }).unhealthyBelowRatio = 0.4;
  (slo.pool as { degradedBelowRatio: number }).degradedBelowRatio = 0.9;
  const rules = poolAlerts(slo).groups[0]?.rules ?? [];
  assert.equal(rules.find((r) => r.alert === 'GrpcPoolUnhealthy')?.expr, 'grpc_pool_healthy_ratio{job="grpc-pools"} < 0.4');
  assert.equal(rules.find((r) => r.alert === 'GrpcPoolDegraded')?.expr, 'grpc_pool_healthy_ratio{job="grpc-pools"} < 0.9 >= 0.4');
  const steps = thresholdValues(JSON.stringify(poolsDashboard(slo), null, 1));
  assert.ok(steps.includes(0.4) && steps.includes(0.9), `pools dashboard thresholds: ${steps.join(', ')}`);
  assert.ok(!steps.includes(0.5) && !steps.includes(0.8));
});

test('error-rate and checks targets reach the alerts and the load test dashboard', () => {
  const slo = structuredClone(defaultSlo) as SloConfig;
  (slo as { errorRateMax: number }).errorRateMax = 0.02;
  (slo as { checksRateMin: number }).checksRateMin = 0.95;
  const exprs = (loadTestAlerts(slo).groups[0]?.rules ?? []).map((r) => r.expr).join('\n');
  assert.match(exprs, /testid:k6_errors_rate:avg > 0\.02 /);
  assert.match(exprs, /testid:k6_checks_rate:avg < 0\.95 /);
  const steps = thresholdValues(JSON.stringify(loadTestDashboard(slo), null, 1));
  assert.ok(steps.includes(0.02) && steps.includes(0.95), `load test thresholds: ${steps.join(', ')}`);
});

test('the committed files use the real slo.ts values', () => {
  const rules = loadTestAlerts().groups[0]?.rules ?? [];
  assert.match(rules.find((r) => r.alert === 'LoadTestFullFlowLatencyHigh')?.expr ?? '', new RegExp(`> ${defaultSlo.fullFlow.p95Ms / 1000} `));
  assert.match(rules.find((r) => r.alert === 'LoadTestErrorRateHigh')?.expr ?? '', new RegExp(`> ${defaultSlo.errorRateMax} `));
});
