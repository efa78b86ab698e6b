/**
 * Alerts from the services themselves: their gRPC health (blackbox_exporter's grpc prober, which
 * sees a dead backend with no traffic at all) and the API gateway's own gRPC client metrics per
 * backend (the client-side truth of what the pools deliver). Thresholds from slo.grpcClient.
 */
import { backendLabel, blackboxExporterService, jobs } from '../config/stack.ts';
import { blackboxMetric } from '../../contract/metrics.ts';
import { clientErrorRatio, clientLatencyQuantile, series } from '../lib/promql.ts';
import { defaultSlo, msToSeconds, type SloConfig } from '../config/slo-config.ts';
import { milliseconds, percent, runbookUrl } from '../lib/format.ts';
import type { AlertingRule, RuleFile } from './types.ts';

/** Window of the gateway's client rates: 12 scrapes at 5 s. */
export const CLIENT_WINDOW = '1m';
const grpcHealthSelector = `job="${jobs.grpcHealth}"`;

export function serviceAlerts(slo: SloConfig = defaultSlo): RuleFile<AlertingRule> {
  const { errorRatioMax, p95Ms } = slo.grpcClient;
  const rules: AlertingRule[] = [
    {
      alert: 'GrpcBackendDown',
      // Every scrape probes anew, so this stays firing for as long as the backend is down, with or without traffic.
      expr: `${series(blackboxMetric.probeSuccess, grpcHealthSelector)} == 0`,
      for: '30s',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'A gRPC backend fails its health check.',
        description: '{{ $labels.service }} ({{ $labels.instance }}) does not answer grpc.health.v1.Health/Check with SERVING: it is down, unreachable or not serving. Every pool to it is unusable, whatever state its connections report.',
        runbook_url: runbookUrl('GrpcBackendDown'),
      },
    },
    {
      alert: 'GrpcClientErrorRatioHigh',
      expr: `${clientErrorRatio(CLIENT_WINDOW)} > ${errorRatioMax}`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Too many of the gateway\'s gRPC calls to a backend fail.',
        description: `{{ $value | humanizePercentage }} of the gRPC calls of {{ $labels.service }} to {{ $labels.${backendLabel} }} failed in the last ${CLIENT_WINDOW}, above the ${percent(errorRatioMax)} line.`,
        runbook_url: runbookUrl('GrpcClientErrorRatioHigh'),
      },
    },
    {
      alert: 'GrpcClientLatencyHigh',
      expr: `${clientLatencyQuantile(0.95, CLIENT_WINDOW)} > ${msToSeconds(p95Ms)}`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The gateway\'s gRPC calls to a backend are slow.',
        description: `The p95 of the gRPC calls of {{ $labels.service }} to {{ $labels.${backendLabel} }} is {{ $value | humanizeDuration }} over the last ${CLIENT_WINDOW}, above the ${milliseconds(p95Ms)} target.`,
        runbook_url: runbookUrl('GrpcClientLatencyHigh'),
      },
    },
    {
      alert: 'BlackboxExporterDown',
      expr: `up{job="${jobs.blackboxExporter}"} == 0`,
      for: '1m',
      labels: { severity: 'critical', service: blackboxExporterService },
      annotations: {
        summary: 'The blackbox exporter is down, so no backend\'s gRPC health is observed.',
        description: 'Prometheus cannot scrape blackbox_exporter ({{ $labels.instance }}); GrpcBackendDown cannot fire while it is down.',
        runbook_url: runbookUrl('BlackboxExporterDown'),
      },
    },
  ];
  return { groups: [{ name: 'grpc-services.alerts', rules }] };
}
