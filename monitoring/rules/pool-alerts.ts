/**
 * Alerts on the gRPC connection pools, from the series the pool exporter answers on /probe.
 * Ratio thresholds come from slo.pool; `service` is the probed target (a Prometheus target label).
 *
 * A real pool manager (datngth03/ecommerce-go-app's grpcpool) repairs itself every 30 s: failed
 * connections are replaced by new IDLE ones, and IDLE counts as healthy. So the last sample lies
 * twice: a pool that fails again within seconds looks healthy at every repair (an alert with
 * `for` >= 30 s resets for ever), and with no traffic a pool to a stopped backend is 5 IDLE,
 * 100 % "healthy". The pool alerts therefore read a window longer than the repair period, and
 * count a pool as unusable while its backend fails its gRPC health check.
 */
import { jobs, poolExporterService } from '../config/stack.ts';
import { poolMetric } from '../../contract/metrics.ts';
import type { ConnectionState, ManagerStatus } from '../../contract/pool-health.ts';
import { poolUsableRatio, POOL_WINDOW, series } from '../lib/promql.ts';
import { defaultSlo, type SloConfig } from '../config/slo-config.ts';
import { percent, runbookUrl } from '../lib/format.ts';
import { poolJobSelector } from '../lib/recorded.ts';
import type { AlertingRule, RuleFile } from './types.ts';

export function poolAlerts(slo: SloConfig = defaultSlo): RuleFile<AlertingRule> {
  const { unhealthyBelowRatio, degradedBelowRatio } = slo.pool;
  const ratio = poolUsableRatio();
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
        description: `Pool {{ $labels.pool }} of {{ $labels.service }} had on average {{ $value | humanizePercentage }} of its connections usable (READY or IDLE, to a backend that passes its gRPC health check) over the last ${POOL_WINDOW}, below the ${percent(unhealthyBelowRatio)} unhealthy line.`,
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
        description: `Pool {{ $labels.pool }} of {{ $labels.service }} had on average {{ $value | humanizePercentage }} of its connections usable (READY or IDLE, to a backend that passes its gRPC health check) over the last ${POOL_WINDOW}, below the ${percent(degradedBelowRatio)} degraded line.`,
        runbook_url: runbookUrl('GrpcPoolDegraded'),
      },
    },
    {
      alert: 'GrpcPoolConnectionsFailing',
      // The repair loop replaces failed connections every 30 s: the window keeps the failures in view.
      expr: `max_over_time(${series(poolMetric.connections, `${poolJobSelector},state="${failing}"`)}[${POOL_WINDOW}]) > 0`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Connections of a gRPC pool are in TRANSIENT_FAILURE.',
        description: `Pool {{ $labels.pool }} of {{ $labels.service }} had up to {{ $value }} connection(s) in TRANSIENT_FAILURE in the last ${POOL_WINDOW}.`,
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
      // A 429 is the service's rate limiter, not the service failing: PoolHealthProbeRateLimited.
      expr: `(${series(poolMetric.probeSuccess, poolJobSelector)} == 0 unless on (service, instance) ${series(poolMetric.probeHttpStatus, poolJobSelector)} == 429) or up{${poolJobSelector}} == 0`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The pool health endpoint of a service cannot be read.',
        description: 'The pool health of {{ $labels.service }} (instance {{ $labels.instance }}) cannot be read: the service is down, unreachable, or answers something that is not the pool health contract, or the exporter does not answer the probe for this target.',
        runbook_url: runbookUrl('PoolHealthProbeFailing'),
      },
    },
    {
      alert: 'PoolHealthProbeRateLimited',
      // Any 429 within the window: a rate limiter refuses some probes, not necessarily every one.
      expr: `max_over_time((${series(poolMetric.probeHttpStatus, poolJobSelector)} == bool 429)[${POOL_WINDOW}:]) == 1`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A rate limiter refuses the pool health probe (HTTP 429).',
        description: `{{ $labels.service }} (instance {{ $labels.instance }}) answered the pool health probe with HTTP 429 in the last ${POOL_WINDOW}: its rate limiter counts the probe against the prober's IP, so pool health goes unobserved while it refuses.`,
        runbook_url: runbookUrl('PoolHealthProbeRateLimited'),
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
