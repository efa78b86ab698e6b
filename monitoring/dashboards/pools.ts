/**
 * gRPC connection pools dashboard: per probed service (`service`, a Prometheus target label) and
 * per pool (the downstream service it dials), from the pool exporter's /probe series.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DashboardCursorSync, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { jobs } from '../config/stack.ts';
import { connectionStates, managerStatuses, poolStatuses, type ConnectionState, type ManagerStatus } from '../../contract/pool-health.ts';
import { poolMetric } from '../../contract/metrics.ts';
import { series } from '../lib/promql.ts';
import { percent } from '../lib/format.ts';
import { defaultSlo, type SloConfig } from '../config/slo-config.ts';
import {
  builtInAnnotation,
  dashedThresholds,
  datasourceVariable,
  finalize,
  fixedColor,
  poolRatioSteps,
  prometheusQuery,
  queryVariable,
  stat,
  stateMappings,
  stateTimeline,
  thresholds,
  timeseries,
  type BuiltDashboard,
} from './common.ts';

export const POOLS_UID = 'grpc-pool-health';

const probe = `job="${jobs.poolProbe}"`;
const services = `${probe},service=~"$service"`;
const pools = `${services},pool=~"$pool"`;
const poolLegend = '{{service}} → {{pool}}';

const stateColors: Record<ConnectionState, string> = {
  ready: 'green',
  idle: 'blue',
  connecting: 'yellow',
  transient_failure: 'red',
  shutdown: 'purple',
};

/** Pool statuses are the manager statuses without `unavailable`, so one map colours both. */
const statusColors: Record<ManagerStatus, string> = {
  healthy: 'green',
  degraded: 'orange',
  unhealthy: 'red',
  unavailable: 'dark-red',
};
const statusMappings = (statuses: readonly ManagerStatus[]) => stateMappings(statuses.map((text) => ({ text, color: statusColors[text] })));

const failing: ConnectionState = 'transient_failure';

/** A state set as one number per series: 0 for the first state, 1 for the second, ... */
function stateIndex(metric: string, selector: string, by: string, states: readonly string[]): string {
  return states
    .slice(1)
    .map((state, index) => `${index + 1} * sum by (${by}) (${series(metric, `${selector},status="${state}"`)})`)
    .join(' + ');
}

export function healthPanels(slo: SloConfig) {
  const { unhealthyBelowRatio, degradedBelowRatio } = slo.pool;
  return [
    timeseries({
      title: 'Healthy ratio',
      description: `(ready + idle) / size per pool. Dashed lines: unhealthy below ${percent(unhealthyBelowRatio)}, degraded below ${percent(degradedBelowRatio)} (monitoring/config/slo.ts).`,
      unit: 'percentunit',
    })
      .withTarget(prometheusQuery(series(poolMetric.healthyRatio, pools), poolLegend))
      .thresholds(thresholds(poolRatioSteps(slo.pool)))
      .thresholdsStyle(dashedThresholds())
      .min(0)
      .max(1)
      .span(12),
    stateTimeline({ title: 'Pool status', description: 'Status each service reports for each pool: healthy, degraded or unhealthy.', unit: 'none' })
      .withTarget(prometheusQuery(stateIndex(poolMetric.status, pools, 'service, pool', poolStatuses), poolLegend))
      .mappings(statusMappings(poolStatuses))
      .span(12),
    stateTimeline({
      title: 'Pool manager status',
      description: 'Overall status of each service: the worst of its pools, or unavailable when its pool manager is not running.',
      unit: 'none',
    })
      .withTarget(prometheusQuery(stateIndex(poolMetric.managerStatus, services, 'service', managerStatuses), '{{service}}'))
      .mappings(statusMappings(managerStatuses))
      .span(24)
      .height(6),
  ];
}

export function connectionPanels() {
  const byState = timeseries({
    title: 'Connections by state: $service',
    description: 'Connections of the selected pools of this service, stacked by gRPC connectivity state (they add up to the pool size).',
    unit: 'short',
  })
    .withTarget(prometheusQuery(`sum by (state) (${series(poolMetric.connections, pools)})`, '{{state}}'))
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .fillOpacity(60)
    .repeat('service')
    .repeatDirection('h')
    .maxPerRow(3)
    .span(8);
  for (const state of connectionStates) byState.overrideByName(state, [fixedColor(stateColors[state])]);
  return [
    byState,
    timeseries({
      title: 'Connections in TRANSIENT_FAILURE',
      description: 'Connections that failed and are waiting to reconnect; any for a minute raises GrpcPoolConnectionsFailing.',
      unit: 'short',
    })
      .withTarget(prometheusQuery(series(poolMetric.connections, `${pools},state="${failing}"`), poolLegend))
      .thresholds(thresholds([{ value: null, color: 'green' }, { value: 1, color: 'red' }]))
      .thresholdsStyle(dashedThresholds())
      .min(0)
      .span(12),
    timeseries({ title: 'Pool size', description: 'Connections each pool holds, whatever their state.', unit: 'short' })
      .withTarget(prometheusQuery(series(poolMetric.size, pools), poolLegend))
      .min(0)
      .span(12),
  ];
}

export function probePanels() {
  return [
    stateTimeline({ title: 'Probe success', description: 'Whether the exporter could read each service\'s /health/pools/detailed (a 503 with a body is still a success).', unit: 'none' })
      .withTarget(prometheusQuery(series(poolMetric.probeSuccess, services), '{{service}}'))
      .mappings(stateMappings([{ text: 'failed', color: 'red' }, { text: 'ok', color: 'green' }]))
      .span(12),
    timeseries({ title: 'Probe duration', description: 'How long the exporter took to fetch and read each health endpoint.', unit: 's' })
      .withTarget(prometheusQuery(series(poolMetric.probeDuration, services), '{{service}}'))
      .span(12),
    timeseries({ title: 'Health endpoint HTTP status', description: 'HTTP status of /health/pools/detailed: 200 healthy or degraded, 503 unhealthy or unavailable.', unit: 'none' })
      .withTarget(prometheusQuery(series(poolMetric.probeHttpStatus, services), '{{service}}'))
      .span(12),
    stat({ title: 'Exporter up', description: 'Whether Prometheus can scrape the pool exporter itself, and each probe through it.', unit: 'none' })
      .withTarget(prometheusQuery(`up{job="${jobs.poolExporter}"}`, 'exporter'))
      .withTarget(prometheusQuery(`up{${services}}`, 'probe {{service}}'))
      .mappings(stateMappings([{ text: 'DOWN', color: 'red' }, { text: 'UP', color: 'green' }]))
      .span(12),
  ];
}

export function poolsDashboard(slo: SloConfig = defaultSlo): BuiltDashboard {
  const sizeSeries = series(poolMetric.size, probe);
  const builder = new DashboardBuilder('gRPC connection pools')
    .uid(POOLS_UID)
    .description('Health of every gRPC client connection pool of the probed services, from GET /health/pools/detailed.')
    .tags(['generated', 'grpc-pools'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .timezone('browser')
    .annotation(builtInAnnotation())
    .withVariable(datasourceVariable())
    .withVariable(queryVariable('service', 'Service', `label_values(${sizeSeries}, service)`, { multi: true, allValue: '.+' }))
    .withVariable(
      queryVariable('pool', 'Pool', `label_values(${series(poolMetric.size, `${probe},service=~"$service"`)}, pool)`, { multi: true, allValue: '.+' }),
    )
    .withRow(new RowBuilder('Health'));
  for (const panel of healthPanels(slo)) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Connections'));
  for (const panel of connectionPanels()) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Probes'));
  for (const panel of probePanels()) builder.withPanel(panel);
  return finalize(builder);
}
