/**
 * k6 thresholds, all derived from monitoring/config/slo.ts (the single source of truth).
 */
import type { Threshold } from 'k6/options';
import { slo } from '../../monitoring/config/slo.ts';
import { k6Custom } from '../../contract/metrics.ts';
import type { ProfileName } from './config.ts';

type Thresholds = Record<string, Threshold[]>;

const common: Thresholds = {
  [k6Custom.errors]: [`rate<${slo.errorRateMax}`],
  checks: [`rate>${slo.checksRateMin}`],
};

/**
 * k6's http_req_duration counts every request, failed ones and logins included; the target is on
 * successful API calls only (tags set in k6/lib/api.ts), like the custom trends.
 */
export const httpDurationKey = 'http_req_duration{expected_response:true,kind:api}';

function httpDuration(target: { p95Ms: number; p99Ms: number }): Thresholds {
  return {
    [httpDurationKey]: [`p(95)<${target.p95Ms}`, `p(99)<${target.p99Ms}`],
    [k6Custom.loginDuration]: [`p(95)<${slo.login.p95Ms}`],
  };
}

/** Only with a measured baseline: the pool must save at least this much per order. */
function poolSaved(hasBaseline: boolean): Thresholds {
  return hasBaseline ? { [k6Custom.poolTimeSaved]: [`avg>${slo.poolTimeSavedMinMs}`] } : {};
}

export function orderCreationThresholds(hasBaseline: boolean): Thresholds {
  return {
    ...common,
    ...httpDuration(slo.httpReqDuration.orderCreation),
    [k6Custom.orderServiceLatency]: [`p(95)<${slo.orderService.p95Ms}`],
    [k6Custom.apiGatewayLatency]: [`p(95)<${slo.apiGateway.p95Ms}`],
    ...poolSaved(hasBaseline),
  };
}

export function paymentProcessingThresholds(hasBaseline: boolean): Thresholds {
  return {
    ...common,
    ...httpDuration(slo.httpReqDuration.paymentProcessing),
    [k6Custom.paymentServiceLatency]: [`p(95)<${slo.paymentService.p95Ms}`],
    [k6Custom.orderServiceLatency]: [`p(95)<${slo.orderService.p95Ms}`],
    ...poolSaved(hasBaseline),
  };
}

export function endToEndThresholds(hasBaseline: boolean, profile: ProfileName): Thresholds {
  const flow = slo.fullFlow;
  return {
    ...common,
    ...httpDuration(slo.httpReqDuration.endToEnd),
    [k6Custom.fullFlowDuration]: [
      `p(50)<${flow.p50Ms}`,
      `p(95)<${flow.p95Ms}`,
      `p(99)<${flow.p99Ms}`,
      `avg<${flow.avgMs}`,
    ],
    [k6Custom.apiGatewayLatency]: [`p(95)<${slo.apiGateway.p95Ms}`],
    [k6Custom.orderServiceLatency]: [`p(95)<${slo.orderService.p95Ms}`],
    [k6Custom.paymentServiceLatency]: [`p(95)<${slo.paymentService.p95Ms}`],
    // The 1000-flow floor belongs to the 14-minute profile; a smoke run only needs one success.
    [k6Custom.fullFlowSuccess]: [`count>=${profile === 'full' ? slo.minSuccessfulFlows : 1}`],
    ...poolSaved(hasBaseline),
  };
}

/** Trend stats in the end-of-test summary (p(99) is needed by thresholds and the report). */
export const summaryTrendStats = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];
