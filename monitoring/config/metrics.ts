/**
 * How the SLO's latency targets map onto the k6 metrics that measure them. The metric names
 * themselves are the contract's (contract/metrics.ts), shared with k6 and the exporter.
 * Plain data: k6 imports it too.
 */
import { k6Custom } from '../../contract/metrics.ts';
import type { LatencyTargetKey } from './slo.ts';

/** Which k6 trend carries each latency target of the SLO module. */
export const k6TrendForTarget: Record<LatencyTargetKey, string> = {
  fullFlow: k6Custom.fullFlowDuration,
  apiGateway: k6Custom.apiGatewayLatency,
  orderService: k6Custom.orderServiceLatency,
  paymentService: k6Custom.paymentServiceLatency,
  login: k6Custom.loginDuration,
};
