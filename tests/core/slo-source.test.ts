/**
 * slo.ts is the single source of truth: a changed target changes the generated dashboard
 * thresholds, the alert thresholds and the promtool tests together, and nothing else.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { endToEndThresholds } from '../../k6/lib/thresholds.ts';
import { k6Custom } from '../../contract/metrics.ts';
import { k6TrendForTarget } from '../../monitoring/config/metrics.ts';
import { latencyTargets } from '../../monitoring/config/slo.ts';
import { latencyTargetKeys } from '../../monitoring/lib/recorded.ts';
import { buildArtifacts } from '../../monitoring/artifacts.ts';
import { defaultSlo, type SloConfig } from '../../monitoring/config/slo-config.ts';
import { latencyAlertNameOf, loadTestAlerts } from '../../monitoring/rules/loadtest-alerts.ts';
import { poolAlerts } from '../../monitoring/rules/pool-alerts.ts';
import { serviceAlerts } from '../../monitoring/rules/service-alerts.ts';
import { serviceAlertTests } from '../../monitoring/rules/rule-tests/service-alerts.ts';
import { poolUsableRatio } from '../../monitoring/lib/promql.ts';
import { loadTestDashboard } from '../../monitoring/dashboards/loadtest.ts';
import { poolsDashboard } from '../../monitoring/dashboards/pools.ts';
import { repoRoot } from './support.ts';

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
    // The Kubernetes resources carry the same rules and dashboards (docs/scale-out.md).
    'deploy/kubernetes/grafana-dashboards.yaml',
    'deploy/kubernetes/prometheus-rules.yaml',
    'monitoring/grafana/dashboards/grpc-pool-loadtest.json',
    'monitoring/grafana/dashboards/grpc-pool-overview.json',
    'monitoring/prometheus/rules/loadtest-alerts.yml',
    'monitoring/prometheus/tests/loadtest-alerts.test.yml',
    'monitoring/prometheus/tests/loadtest-native-histograms.test.yml',
    // Thanos Rule's copy of the rule file (scale-out mode: docs/scale-out.md).
    'monitoring/thanos/rules/loadtest-alerts.yml',
  ]);
  assert.match(diff.get('monitoring/prometheus/rules/loadtest-alerts.yml') ?? '', /testid:k6_full_flow_duration_seconds:p95_rate1m >= 0\.275 and on \(testid\)/);
  assert.match(diff.get('monitoring/thanos/rules/loadtest-alerts.yml') ?? '', /testid:k6_full_flow_duration_seconds:p95_rate1m >= 0\.275 and on \(testid\)/);
  assert.ok(thresholdValues(diff.get('monitoring/grafana/dashboards/grpc-pool-loadtest.json') ?? '').includes(0.275));
  assert.ok(!thresholdValues(diff.get('monitoring/grafana/dashboards/grpc-pool-loadtest.json') ?? '').includes(0.25));
});

test('pool lines 0.5/0.8 -> 0.4/0.9: pool alerts, their tests and the pools dashboard follow', () => {
  const slo = structuredClone(defaultSlo) as SloConfig;
  (slo.pool as { unhealthyBelowRatio: number }).unhealthyBelowRatio = 0.4;
  (slo.pool as { degradedBelowRatio: number }).degradedBelowRatio = 0.9;
  const rules = poolAlerts(slo).groups[0]?.rules ?? [];
  assert.equal(rules.find((r) => r.alert === 'GrpcPoolUnhealthy')?.expr, `${poolUsableRatio()} < 0.4`);
  assert.equal(rules.find((r) => r.alert === 'GrpcPoolDegraded')?.expr, `${poolUsableRatio()} < 0.9 >= 0.4`);
  const steps = thresholdValues(JSON.stringify(poolsDashboard(slo), null, 1));
  assert.ok(steps.includes(0.4) && steps.includes(0.9), `pools dashboard thresholds: ${steps.join(', ')}`);
  assert.ok(!steps.includes(0.5) && !steps.includes(0.8));
});

test('error-rate and checks targets reach the alerts and the load test dashboard', () => {
  const slo = structuredClone(defaultSlo) as SloConfig;
  (slo as { errorRateMax: number }).errorRateMax = 0.02;
  (slo as { checksRateMin: number }).checksRateMin = 0.95;
  const exprs = (loadTestAlerts(slo).groups[0]?.rules ?? []).map((r) => r.expr).join('\n');
  assert.match(exprs, /testid:k6_errors_rate:avg >= 0\.02 /);
  assert.match(exprs, /testid:k6_checks_rate:avg <= 0\.95 /);
  const steps = thresholdValues(JSON.stringify(loadTestDashboard(slo), null, 1));
  assert.ok(steps.includes(0.02) && steps.includes(0.95), `load test thresholds: ${steps.join(', ')}`);
});

test('ratio targets read as plain percentages in dashboard text (0.07 -> 7%, not 7.000000000000001 %)', () => {
  const slo = structuredClone(defaultSlo) as SloConfig;
  (slo as { errorRateMax: number }).errorRateMax = 0.07;
  (slo.pool as { unhealthyBelowRatio: number }).unhealthyBelowRatio = 0.55;
  const descriptions = (json: object): string[] => [...JSON.stringify(json).matchAll(/"description":"([^"]*)"/g)].map((m) => m[1] ?? '');
  const loadtest = descriptions(loadTestDashboard(slo));
  const pools = descriptions(poolsDashboard(slo));
  assert.ok(loadtest.some((d) => d.includes('Target: below 7%.')), loadtest.join('\n'));
  assert.ok(pools.some((d) => d.includes('unhealthy below 55%,')), pools.join('\n'));
  assert.ok(![...loadtest, ...pools].some((d) => /\d\.\d{6,}/.test(d)), 'a description prints float noise');
});

/** The number after `prefix` in the k6 threshold of `metric`, e.g. `p(95)<` in `p(95)<250`. */
function k6Limit(thresholds: Record<string, unknown[]>, metric: string, prefix: string): number {
  const found = (thresholds[metric] ?? []).map(String).find((t) => t.startsWith(prefix));
  assert.ok(found, `no k6 threshold ${prefix}… on ${metric}: ${JSON.stringify(thresholds[metric])}`);
  return Number(found.slice(prefix.length));
}

/** Seconds as whole milliseconds, without float noise (0.15 * 1000 = 150.00000000000003). */
const asMs = (seconds: number): number => Number((seconds * 1000).toFixed(3));

test('the committed alert rules and dashboard draw the lines that k6 enforces', async () => {
  // Two independent consumers of slo.ts: the k6 thresholds (k6/lib/thresholds.ts) and the
  // committed generated files. Agreement between them is the single-source property. A k6
  // threshold `x<limit` fails on the line itself, so the alert on it fires from the line on (>=).
  const k6 = endToEndThresholds(true, 'full') as Record<string, unknown[]>;
  const rulesYaml = parse(await readFile(join(repoRoot, 'monitoring/prometheus/rules/loadtest-alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  const alertLine = (name: string): { op: string; value: number } => {
    const expr = rulesYaml.groups.flatMap((g) => g.rules).find((r) => r.alert === name)?.expr ?? '';
    const match = /^\S+ ([<>]=?) ([0-9.]+) and on \(testid\) /.exec(expr);
    assert.ok(match, `${name}: unexpected expression ${JSON.stringify(expr)}`);
    return { op: match[1] ?? '', value: Number(match[2]) };
  };
  const dashboard = JSON.parse(await readFile(join(repoRoot, 'monitoring/grafana/dashboards/grpc-pool-loadtest.json'), 'utf8')) as {
    panels: { title: string; fieldConfig?: { defaults?: { thresholds?: { steps: { value: number | null }[] } } } }[];
  };
  const lines = (title: string): number[] => {
    const panel = dashboard.panels.find((p) => p.title === title);
    assert.ok(panel, `load test dashboard: no panel "${title}"`);
    return (panel.fieldConfig?.defaults?.thresholds?.steps ?? []).flatMap((s) => (s.value === null ? [] : [s.value]));
  };

  for (const key of latencyTargetKeys) {
    const p95Ms = k6Limit(k6, k6TrendForTarget[key], 'p(95)<');
    const alert = alertLine(latencyAlertNameOf(key));
    assert.deepEqual({ op: alert.op, ms: asMs(alert.value) }, { op: '>=', ms: p95Ms }, `${key}: alert vs k6`);
    assert.deepEqual(lines(`${latencyTargets[key].title}: whole run`).map(asMs), [p95Ms], `${key}: whole-run stat vs k6`);
  }
  const flow = k6TrendForTarget.fullFlow;
  assert.deepEqual(
    lines('Full flow latency p50 / p95 / p99').map(asMs),
    [k6Limit(k6, flow, 'p(50)<'), k6Limit(k6, flow, 'p(95)<'), k6Limit(k6, flow, 'p(99)<')],
  );

  const errorsMax = k6Limit(k6, k6Custom.errors, 'rate<');
  assert.deepEqual(alertLine('LoadTestErrorRateHigh'), { op: '>=', value: errorsMax });
  assert.deepEqual(lines('Error rate'), [errorsMax]);
  const checksMin = k6Limit(k6, 'checks', 'rate>');
  assert.deepEqual(alertLine('LoadTestChecksFailing'), { op: '<=', value: checksMin });
  assert.deepEqual(lines('Checks passing'), [checksMin]);
  assert.deepEqual(lines('Successful flows (whole run)'), [k6Limit(k6, k6Custom.fullFlowSuccess, 'count>=')]);
  assert.deepEqual(lines('Pool time saved per order'), [k6Limit(k6, k6Custom.poolTimeSaved, 'avg>')]);
});

test('gRPC client targets (error ratio, p95) reach the service alerts and their unit tests', () => {
  const moved: SloConfig = { ...defaultSlo, grpcClient: { errorRatioMax: 0.1, p95Ms: 250 } };
  const rules = serviceAlerts(moved).groups.flatMap((g) => g.rules);
  assert.match(rules.find((r) => r.alert === 'GrpcClientErrorRatioHigh')?.expr ?? '', /\) > 0\.1$/);
  assert.match(rules.find((r) => r.alert === 'GrpcClientLatencyHigh')?.expr ?? '', /\) > 0\.25$/);
  assert.match(rules.find((r) => r.alert === 'GrpcClientErrorRatioHigh')?.annotations.description ?? '', /above the 10% line/);
  const tests = JSON.stringify(serviceAlertTests(moved));
  assert.match(tests, /above the 250ms target/);
  assert.notDeepEqual(serviceAlertTests(moved), serviceAlertTests(defaultSlo));
});
