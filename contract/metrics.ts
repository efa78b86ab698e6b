/**
 * Metric names shared by the producers (k6 scripts, the pool exporter) and the consumers
 * (dashboards, recording and alerting rules, reports, tests).
 * Plain data, no imports: k6 scripts and every folder of the repository may import it.
 */

/** k6 custom metric names, as the scripts declare them (`new Trend(name, true)`). */
export const k6Custom = {
  fullFlowDuration: 'full_flow_duration',
  apiGatewayLatency: 'api_gateway_latency',
  orderServiceLatency: 'order_service_latency',
  paymentServiceLatency: 'payment_service_latency',
  loginDuration: 'login_duration',
  errors: 'errors',
  /** Failed step calls, tagged `step` and `status` (0: no answer). */
  failedRequests: 'failed_requests',
  fullFlowSuccess: 'full_flow_success',
  fullFlowFailure: 'full_flow_failure',
  poolTimeSaved: 'connection_pool_time_saved_ms',
} as const;

/**
 * Names as k6's Prometheus remote-write output writes them (k6 docs, "Prometheus remote write"):
 * prefix `k6_`; counters get `_total`; rates `_rate`; gauges keep their name;
 * time trends sent as native histograms become `<name>_seconds` (values in seconds), other
 * trends keep their name and their values.
 */
export const k6Remote = {
  trendSeconds: (name: string): string => `k6_${name}_seconds`,
  /** A trend that is not a time (`new Trend(name)`), as a native histogram. */
  trend: (name: string): string => `k6_${name}`,
  counter: (name: string): string => `k6_${name}_total`,
  rate: (name: string): string => `k6_${name}_rate`,
  gauge: (name: string): string => `k6_${name}`,
} as const;

/** Series the pool exporter exposes on /probe (docs/exporter.md). */
export const poolMetric = {
  connections: 'grpc_pool_connections',
  size: 'grpc_pool_size',
  healthyRatio: 'grpc_pool_healthy_ratio',
  status: 'grpc_pool_status',
  managerStatus: 'grpc_pool_manager_status',
  probeSuccess: 'probe_success',
  probeDuration: 'probe_duration_seconds',
  probeHttpStatus: 'probe_http_status_code',
} as const;

/** The pool exporter's own series on /metrics (docs/exporter.md). */
export const poolExporterMetric = {
  probesTotal: 'pool_exporter_probes_total',
  probeFailuresTotal: 'pool_exporter_probe_failures_total',
  configReloadSuccessful: 'pool_exporter_config_last_reload_successful',
  configReloadSuccessTimestamp: 'pool_exporter_config_last_reload_success_timestamp_seconds',
  buildInfo: 'pool_exporter_build_info',
} as const;

/** Label values of pool_exporter_probe_failures_total{reason}. */
export const probeFailureReasons = ['timeout', 'connect', 'protocol', 'http_status', 'invalid_json', 'schema', 'too_large'] as const;
export type ProbeFailureReason = (typeof probeFailureReasons)[number];
