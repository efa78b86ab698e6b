/**
 * Overview: load-test latency and pool health on one time axis, firing alerts and test runs as
 * annotations, and the before/after view (a baseline run against a pooled run).
 * Its time-series panels read the recording rules (monitoring/prometheus/rules/recording.yml).
 */
import { AnnotationQueryBuilder, DashboardBuilder, DashboardCursorSync, RowBuilder, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { k6Remote } from '../../contract/metrics.ts';
import type { LatencyTargetKey } from '../config/slo.ts';
import { series, trendHistogram, wholeRangeQuantile } from '../lib/promql.ts';
import { latencyTargetKeys, recorded } from '../lib/recorded.ts';
import { defaultSlo, latencyTargetsOf, type SloConfig } from '../config/slo-config.ts';
import {
  builtInAnnotation,
  dashedThresholds,
  datasource,
  datasourceVariable,
  finalize,
  instantQuery,
  latencySteps,
  prometheusQuery,
  queryVariable,
  stat,
  table,
  tableQuery,
  thresholds,
  timeseries,
  type BuiltDashboard,
} from './common.ts';

export const OVERVIEW_UID = 'grpc-pool-overview';
const run = 'testid=~"$testid"';
const vus = k6Remote.gauge('vus');

/** Whole-range p95 of one flow metric for one run picked by a single-value variable. */
function runP95(key: LatencyTargetKey, variable: 'baseline' | 'pooled'): string {
  return wholeRangeQuantile(0.95, trendHistogram(key), `testid="$${variable}"`, '');
}

export const speedUpExpr = (key: LatencyTargetKey): string => `${runP95(key, 'baseline')} / ${runP95(key, 'pooled')}`;

export function timelinePanels(slo: SloConfig) {
  return [
    timeseries({
      title: 'Full-flow p95 and pool health',
      description: `Full-flow p95 of the selected runs (left axis, dashed line at the ${slo.fullFlow.p95Ms} ms target) against the lowest pool healthy ratio of each service (right axis).`,
      unit: 's',
    })
      .withTarget(prometheusQuery(series(recorded.latencyQuantile('fullFlow', 0.95), run), '{{testid}} full flow p95'))
      .withTarget(prometheusQuery(recorded.serviceHealthyRatioMin, '{{service}} healthy ratio'))
      .overrideByQuery('B', [
        { id: 'unit', value: 'percentunit' },
        { id: 'custom.axisPlacement', value: common.AxisPlacement.Right },
        { id: 'max', value: 1 },
        { id: 'min', value: 0 },
        // Grafana draws thresholds on every field's own axis: without this, the latency target in
        // seconds would also be drawn on the ratio axis (0.25 s as a 25 % line).
        { id: 'custom.thresholdsStyle', value: { mode: common.GraphThresholdsStyleMode.Off } },
      ])
      .thresholds(thresholds(latencySteps(slo.fullFlow.p95Ms)))
      .thresholdsStyle(dashedThresholds())
      .span(24)
      .height(10),
    timeseries({ title: 'Load', description: 'Requests per second (left) and running VUs (right) of the selected runs.', unit: 'reqps' })
      .withTarget(prometheusQuery(series(recorded.httpReqsRate, run), '{{testid}} requests/s'))
      .withTarget(prometheusQuery(series(recorded.vusMax, run), '{{testid}} VUs'))
      .overrideByQuery('B', [
        { id: 'unit', value: 'short' },
        { id: 'custom.axisPlacement', value: common.AxisPlacement.Right },
      ])
      .span(12),
    timeseries({ title: 'Pool connections by state', description: 'Connections of all pools of each service, by gRPC connectivity state.', unit: 'short' })
      .withTarget(prometheusQuery(recorded.serviceConnectionsByState, '{{service}} {{state}}'))
      .span(12),
    table({ title: 'Firing alerts', description: 'Alerts firing now, by name, service and severity (Prometheus ALERTS series).', unit: 'short' })
      .withTarget(tableQuery('sum by (alertname, service, severity) (ALERTS{alertstate="firing"})'))
      .withTransformation({ id: 'organize', options: { excludeByName: { Time: true, Value: true } } })
      .span(24)
      .height(6),
  ];
}

export function beforeAfterPanels(slo: SloConfig) {
  const targets = latencyTargetsOf(slo);
  const speedUp = stat({
    title: 'Speed-up: baseline p95 / pooled p95',
    description:
      'How many times faster the pooled run is than the baseline run, per flow metric (p95 over the selected range; pick a range that covers both runs). Above 1: the pool helps.',
    unit: 'suffix:×',
  })
    .thresholds(thresholds([{ value: null, color: 'red' }, { value: 1, color: 'green' }]))
    .decimals(1)
    .span(12);
  const p95s = stat({
    title: 'p95: baseline and pooled',
    description: 'Whole-range p95 of each flow metric in the baseline run and in the pooled run; pooled values are green within their target.',
    unit: 's',
  })
    .colorMode(common.BigValueColorMode.Value)
    .span(12);
  for (const key of latencyTargetKeys) {
    const title = targets[key].title;
    speedUp.withTarget(instantQuery(speedUpExpr(key), title));
    p95s.withTarget(instantQuery(runP95(key, 'baseline'), `${title} baseline`));
    p95s.withTarget(instantQuery(runP95(key, 'pooled'), `${title} pooled`));
    p95s.overrideByName(`${title} pooled`, [{ id: 'thresholds', value: thresholds(latencySteps(targets[key].p95Ms)).build() }]);
    p95s.overrideByName(`${title} baseline`, [{ id: 'color', value: { mode: 'fixed', fixedColor: 'text' } }]);
  }
  return [speedUp, p95s];
}

/** Firing alerts and k6 runs drawn across every time-series panel. */
function annotations(): AnnotationQueryBuilder[] {
  return [
    builtInAnnotation(),
    new AnnotationQueryBuilder()
      .name('Firing alerts')
      .datasource(datasource)
      .enable(true)
      .iconColor('red')
      .expr('ALERTS{alertstate="firing"}')
      .titleFormat('{{alertname}}')
      .textFormat('{{service}} ({{severity}})')
      .tagKeys('severity,service')
      .step('15s'),
    new AnnotationQueryBuilder()
      .name('Load test runs')
      .datasource(datasource)
      .enable(true)
      .iconColor('blue')
      // The recorded 15s activity, not raw k6_vus: k6 sends no staleness marker, so its last VU
      // count would stretch every run by Prometheus' 5m lookback.
      .expr(`${recorded.vusMax} > 0`)
      .titleFormat('k6 run {{testid}}')
      .tagKeys('testid')
      .step('15s'),
  ];
}

export function overviewDashboard(slo: SloConfig = defaultSlo): BuiltDashboard {
  const testids = `label_values(${vus}, testid)`;
  const builder = new DashboardBuilder('Overview: load and pool health')
    .uid(OVERVIEW_UID)
    .description('Load-test latency and pool health on one time axis, alerts and runs as annotations, and a baseline-versus-pooled comparison.')
    .tags(['generated', 'k6', 'grpc-pools'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('10s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(datasourceVariable())
    .withVariable(queryVariable('testid', 'Test runs', testids, { multi: true, allValue: '.+', sort: VariableSort.AlphabeticalDesc }))
    .withVariable(queryVariable('baseline', 'Baseline run (no pool)', testids, { sort: VariableSort.AlphabeticalDesc }))
    .withVariable(queryVariable('pooled', 'Pooled run', testids, { sort: VariableSort.AlphabeticalDesc }))
    .annotations(annotations())
    .withRow(new RowBuilder('Load and pool health'));
  for (const panel of timelinePanels(slo)) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Before / after'));
  for (const panel of beforeAfterPanels(slo)) builder.withPanel(panel);
  return finalize(builder);
}
