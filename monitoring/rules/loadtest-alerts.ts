/**
 * Alerts on a k6 run in progress: latency targets, error rate and checks, from slo.ts.
 * Every expression joins on testid with the run's VU count, so a finished run stops alerting.
 * A run fails exactly where its k6 threshold fails: `p(95)<250` and `rate<0.01` fail on the line
 * itself, so these alerts fire from the line on (>=, <=), not only beyond it.
 */
import { latencyTargetService, loadTestService } from '../config/stack.ts';
import type { LatencyTargetKey } from '../config/slo.ts';
import { defaultSlo, latencyTargetsOf, msToSeconds, type SloConfig } from '../config/slo-config.ts';
import { milliseconds, percent, runbookUrl } from '../lib/format.ts';
import { latencyTargetKeys, recorded } from '../lib/recorded.ts';
import type { AlertingRule, RuleFile, Severity } from './types.ts';

const whileRunning = `and on (testid) ${recorded.vusMax} > 0`;

const latencyAlertName: Record<LatencyTargetKey, string> = {
  fullFlow: 'LoadTestFullFlowLatencyHigh',
  apiGateway: 'LoadTestApiGatewayLatencyHigh',
  orderService: 'LoadTestOrderServiceLatencyHigh',
  paymentService: 'LoadTestPaymentServiceLatencyHigh',
  login: 'LoadTestLoginLatencyHigh',
};

/** The full flow is the headline target; the per-service latencies explain it. */
const latencySeverity: Record<LatencyTargetKey, Severity> = {
  fullFlow: 'critical',
  apiGateway: 'warning',
  orderService: 'warning',
  paymentService: 'warning',
  login: 'warning',
};

export function latencyAlertNameOf(target: LatencyTargetKey): string {
  return latencyAlertName[target];
}

export function loadTestAlerts(slo: SloConfig = defaultSlo): RuleFile<AlertingRule> {
  const targets = latencyTargetsOf(slo);
  const latency: AlertingRule[] = latencyTargetKeys.map((key) => {
    const target = targets[key];
    const name = latencyAlertName[key];
    return {
      alert: name,
      expr: `${recorded.latencyQuantile(key, 0.95)} >= ${msToSeconds(target.p95Ms)} ${whileRunning}`,
      for: '1m',
      labels: { severity: latencySeverity[key], service: latencyTargetService[key] },
      annotations: {
        summary: `${target.title} p95 latency misses its target during a load test.`,
        description: `${target.title} p95 over the last minute of test {{ $labels.testid }} is {{ $value | humanizeDuration }}, not below the ${milliseconds(target.p95Ms)} target.`,
        runbook_url: runbookUrl(name),
      },
    };
  });
  const quality: AlertingRule[] = [
    {
      alert: 'LoadTestErrorRateHigh',
      expr: `${recorded.errorsRateAvg} >= ${slo.errorRateMax} ${whileRunning}`,
      for: '1m',
      labels: { severity: 'critical', service: loadTestService },
      annotations: {
        summary: 'The load test error rate misses its target.',
        description: `Test {{ $labels.testid }} has failed {{ $value | humanizePercentage }} of its requests and flows, not below the ${percent(slo.errorRateMax)} limit.`,
        runbook_url: runbookUrl('LoadTestErrorRateHigh'),
      },
    },
    {
      alert: 'LoadTestChecksFailing',
      expr: `${recorded.checksRateAvg} <= ${slo.checksRateMin} ${whileRunning}`,
      for: '1m',
      labels: { severity: 'warning', service: loadTestService },
      annotations: {
        summary: 'Too many load test checks are failing.',
        description: `Only {{ $value | humanizePercentage }} of the checks of test {{ $labels.testid }} pass, not above the ${percent(slo.checksRateMin)} target.`,
        runbook_url: runbookUrl('LoadTestChecksFailing'),
      },
    },
  ];
  return { groups: [{ name: 'k6-loadtest.alerts', rules: [...latency, ...quality] }] };
}
