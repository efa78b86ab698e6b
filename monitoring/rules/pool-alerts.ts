/**
 * Alerts on the gRPC connection pools, from the series the pool exporter answers on /probe.
 * Ratio thresholds come from slo.pool; `service` is the probed target (a Prometheus target label).
 */
import { jobs, poolExporterService } from '../config/stack.ts';
import { poolMetric } from '../../contract/metrics.ts';
import type { ConnectionState, ManagerStatus } from '../../contract/pool-health.ts';
import { series } from '../lib/promql.ts';
import { defaultSlo, type SloConfig } from '../config/slo-config.ts';
import { percent, runbookUrl } from '../lib/format.ts';
import { poolJobSelector } from '../lib/recorded.ts';
import type { AlertingRule, RuleFile } from './types.ts';

export function poolAlerts(slo: SloConfig = defaultSlo): RuleFile<AlertingRule> {
  const { unhealthyBelowRatio, degradedBelowRatio } = slo.pool;
  const ratio = series(poolMetric.healthyRatio, poolJobSelector);
  const exporterUp = `up{job="${jobs.poolExporter}"}`;
  const failing: ConnectionState = 'transient_failure';
  const noManager: ManagerStatus = 'unavailable';
  const rules: AlertingRule[] = [
    {
      alert: 'GrpcPoolUnhealthy',
      expr: `${ratio} < ${unhealthyBelowRatio}`,
      for: '30s',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'A gRPC connection pool has too few usable connections.',
        description: `Pool {{ $labels.pool }} of {{ $labels.service }} has {{ $value | humanizePercentage }} of its connections READY or IDLE, below the ${percent(unhealthyBelowRatio)} unhealthy line.`,
        runbook_url: runbookUrl('GrpcPoolUnhealthy'),
      },
    },
    {
      alert: 'GrpcPoolDegraded',
      // Exclusive with GrpcPoolUnhealthy: a pool is in one band at a time.
      expr: `${ratio} < ${degradedBelowRatio} >= ${unhealthyBelowRatio}`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A gRPC connection pool is degraded.',
        description: `Pool {{ $labels.pool }} of {{ $labels.service }} has {{ $value | humanizePercentage }} of its connections READY or IDLE, below the ${percent(degradedBelowRatio)} degraded line.`,
        runbook_url: runbookUrl('GrpcPoolDegraded'),
      },
    },
    {
      alert: 'GrpcPoolConnectionsFailing',
      expr: `${series(poolMetric.connections, `${poolJobSelector},state="${failing}"`)} > 0`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Connections of a gRPC pool are in TRANSIENT_FAILURE.',
        description: 'Pool {{ $labels.pool }} of {{ $labels.service }} has {{ $value }} connection(s) in TRANSIENT_FAILURE.',
        runbook_url: runbookUrl('GrpcPoolConnectionsFailing'),
      },
    },
    {
      alert: 'GrpcPoolManagerUnavailable',
      expr: `${series(poolMetric.managerStatus, `${poolJobSelector},status="${noManager}"`)} == 1`,
      for: '30s',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'A service reports that its gRPC pool manager is not running.',
        description: '{{ $labels.service }} answers /health/pools/detailed with status unavailable: its pool manager is not initialised, so it holds no pooled connections.',
        runbook_url: runbookUrl('GrpcPoolManagerUnavailable'),
      },
    },
    {
      alert: 'PoolHealthProbeFailing',
      // up == 0: the probe scrape itself failed (an unknown target name gets a 400, or the exporter
      // is down), so there is no probe_success at all; PoolExporterDown inhibits the latter case.
      expr: `${series(poolMetric.probeSuccess, poolJobSelector)} == 0 or up{${poolJobSelector}} == 0`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The pool health endpoint of a service cannot be read.',
        description: 'The pool health of {{ $labels.service }} (instance {{ $labels.instance }}) cannot be read: the service is down, unreachable, or answers something that is not the pool health contract, or the exporter does not answer the probe for this target.',
        runbook_url: runbookUrl('PoolHealthProbeFailing'),
      },
    },
    {
      alert: 'PoolExporterDown',
      expr: `${exporterUp} == 0 or absent(${exporterUp})`,
      for: '1m',
      labels: { severity: 'critical', service: poolExporterService },
      annotations: {
        summary: 'The pool exporter is down, so pool health is not observed.',
        description: 'Prometheus cannot scrape the pool exporter (job {{ $labels.job }}{{ with $labels.instance }}, instance {{ . }}{{ end }}); no pool series are collected while it is down.',
        runbook_url: runbookUrl('PoolExporterDown'),
      },
    },
  ];
  return { groups: [{ name: 'grpc-pools.alerts', rules }] };
}
