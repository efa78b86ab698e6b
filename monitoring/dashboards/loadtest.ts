/**
 * Load test dashboard: one k6 run (or several) picked by `testid`, as k6's remote-write output
 * names the series (k6_ prefix, _total counters, _rate rates, native-histogram _seconds trends).
 */
import { DashboardBuilder, DashboardCursorSync, RowBuilder, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { k6Custom, k6Remote } from '../../contract/metrics.ts';
import type { LatencyTargetKey } from '../config/slo.ts';
import { histogramQuantile, series, sumRate, trendHistogram, wholeRangeQuantile } from '../lib/promql.ts';
import { ACTIVE_WINDOW, latencyTargetKeys, recorded } from '../lib/recorded.ts';
import { percent } from '../lib/format.ts';
import { defaultSlo, latencyTargetsOf, msToSeconds, type SloConfig } from '../config/slo-config.ts';
import {
  builtInAnnotation,
  dashedThresholds,
  datasourceVariable,
  finalize,
  fixedColor,
  instantQuery,
  latencySteps,
  maxSteps,
  minSteps,
  prometheusQuery,
  queryVariable,
  stat,
  table,
  tableQuery,
  thresholds,
  timeseries,
  type BuiltDashboard,
} from './common.ts';

export const LOADTEST_UID = 'grpc-pool-loadtest';
const run = 'testid=~"$testid"';

export function runPanels() {
  return [
    timeseries({
      title: 'Virtual users',
      description: `Running k6 VUs per test run (highest count k6 pushed in the last ${ACTIVE_WINDOW}: the line ends with the run, not 5 min later).`,
      unit: 'short',
    })
      // The recorded activity rule: raw k6_vus keeps its last value for Prometheus' 5m lookback after k6 exits.
      .withTarget(prometheusQuery(series(recorded.vusMax, run), '{{testid}}'))
      .span(8),
    timeseries({ title: 'Request and iteration rates', description: 'HTTP requests and completed VU iterations per second.', unit: 'ops' })
      .withTarget(prometheusQuery(sumRate(k6Remote.counter('http_reqs'), run, '$__rate_interval', 'testid'), '{{testid}} requests'))
      .withTarget(prometheusQuery(sumRate(k6Remote.counter('iterations'), run, '$__rate_interval', 'testid'), '{{testid}} iterations'))
      .span(8),
    timeseries({ title: 'Flows: success and failure', description: 'Completed full e-commerce flows per second, successful and failed.', unit: 'ops' })
      .withTarget(prometheusQuery(sumRate(k6Remote.counter(k6Custom.fullFlowSuccess), run, '$__rate_interval', 'testid'), '{{testid}} success'))
      .withTarget(prometheusQuery(sumRate(k6Remote.counter(k6Custom.fullFlowFailure), run, '$__rate_interval', 'testid'), '{{testid}} failure'))
      .overrideByRegexp('.* failure', [fixedColor('red')])
      .overrideByRegexp('.* success', [fixedColor('green')])
      .span(8),
  ];
}

export function latencyPanels(slo: SloConfig) {
  const targets = latencyTargetsOf(slo);
  const flow = slo.fullFlow;
  const fullFlow = trendHistogram('fullFlow');
  const overTime = timeseries({
    title: 'Full flow latency p50 / p95 / p99',
    description: `Active time of one full flow over time. Dashed lines: the targets p50 ${flow.p50Ms} ms, p95 ${flow.p95Ms} ms, p99 ${flow.p99Ms} ms (monitoring/config/slo.ts).`,
    unit: 's',
  })
    .withTarget(prometheusQuery(histogramQuantile(0.5, fullFlow, run, '$__rate_interval'), '{{testid}} p50'))
    .withTarget(prometheusQuery(histogramQuantile(0.95, fullFlow, run, '$__rate_interval'), '{{testid}} p95'))
    .withTarget(prometheusQuery(histogramQuantile(0.99, fullFlow, run, '$__rate_interval'), '{{testid}} p99'))
    .thresholds(
      thresholds([
        { value: null, color: 'green' },
        { value: msToSeconds(flow.p50Ms), color: 'blue' },
        { value: msToSeconds(flow.p95Ms), color: 'orange' },
        { value: msToSeconds(flow.p99Ms), color: 'red' },
      ]),
    )
    .thresholdsStyle(dashedThresholds())
    .span(12);
  const perMetric = timeseries({
    title: 'p95 per flow step',
    description: 'p95 of the gateway, order-service and payment-service latencies over time; each has its own target (see the whole-run panels).',
    unit: 's',
  }).span(12);
  for (const key of ['apiGateway', 'orderService', 'paymentService'] as const) {
    perMetric.withTarget(prometheusQuery(histogramQuantile(0.95, trendHistogram(key), run, '$__rate_interval'), `{{testid}} ${targets[key].title}`));
  }
  const wholeRun = latencyTargetKeys.map((key) => wholeRunStat(key, slo));
  return [overTime, perMetric, ...wholeRun];
}

/** Whole-run p95 and p99 of one flow metric, green when within its target, red when not. */
function wholeRunStat(key: LatencyTargetKey, slo: SloConfig) {
  const target = latencyTargetsOf(slo)[key];
  const metric = trendHistogram(key);
  const p99Ms = 'p99Ms' in target && typeof target.p99Ms === 'number' ? target.p99Ms : undefined;
  const panel = stat({
    title: `${target.title}: whole run`,
    description: `p95 and p99 of ${metric} over the selected time range. p95 is green within the ${target.p95Ms} ms target, red above it${
      p99Ms === undefined ? '; p99 has no target' : `; p99 against its ${p99Ms} ms target`
    }.`,
    unit: 's',
  })
    .withTarget(instantQuery(wholeRangeQuantile(0.95, metric, run), '{{testid}} p95'))
    .withTarget(instantQuery(wholeRangeQuantile(0.99, metric, run), '{{testid}} p99'))
    .thresholds(thresholds(latencySteps(target.p95Ms)))
    .span(6)
    .height(5);
  return p99Ms === undefined
    ? panel.overrideByQuery('B', [fixedColor('text')])
    : panel.overrideByQuery('B', [{ id: 'thresholds', value: thresholds(latencySteps(p99Ms)).build() }]);
}

export function qualityPanels(slo: SloConfig) {
  const poolSaved = k6Remote.trend(k6Custom.poolTimeSaved);
  return [
    timeseries({
      title: 'Error rate',
      description: `Share of failed requests and flows (k6 errors rate) and of failed HTTP requests (http_req_failed). Target: below ${percent(slo.errorRateMax)}.`,
      unit: 'percentunit',
    })
      .withTarget(prometheusQuery(`avg by (testid) (${series(k6Remote.rate(k6Custom.errors), run)})`, '{{testid}} errors'))
      .withTarget(prometheusQuery(`avg by (testid) (${series(k6Remote.rate('http_req_failed'), run)})`, '{{testid}} http_req_failed'))
      .thresholds(thresholds(maxSteps(slo.errorRateMax)))
      .thresholdsStyle(dashedThresholds())
      .min(0)
      .span(8),
    timeseries({ title: 'Checks passing', description: `Share of k6 checks that pass. Target: at least ${percent(slo.checksRateMin)}.`, unit: 'percentunit' })
      .withTarget(prometheusQuery(`avg by (testid) (${series(k6Remote.rate('checks'), run)})`, '{{testid}}'))
      .thresholds(thresholds(minSteps(slo.checksRateMin)))
      .thresholdsStyle(dashedThresholds())
      .max(1)
      .span(8),
    stat({
      title: 'Successful flows (whole run)',
      description: `Full flows completed without error over the selected range; the full profile must reach ${slo.minSuccessfulFlows}.`,
      unit: 'short',
    })
      .withTarget(instantQuery(`sum by (testid) (increase(${series(k6Remote.counter(k6Custom.fullFlowSuccess), run)}[$__range]))`, '{{testid}}'))
      .thresholds(thresholds(minSteps(slo.minSuccessfulFlows)))
      .decimals(0)
      .span(8),
    timeseries({
      title: 'Pool time saved per order',
      description: `Per order, the baseline run's order p95 minus this order's duration (k6 ${k6Custom.poolTimeSaved}, sent only when a baseline is given). Target: more than ${slo.poolTimeSavedMinMs} ms.`,
      unit: 'ms',
    })
      .withTarget(prometheusQuery(histogramQuantile(0.5, poolSaved, run, '$__rate_interval'), '{{testid}} median'))
      .withTarget(
        prometheusQuery(
          `histogram_sum(sum by (testid) (rate(${series(poolSaved, run)}[$__rate_interval]))) / histogram_count(sum by (testid) (rate(${series(poolSaved, run)}[$__rate_interval])))`,
          '{{testid}} mean',
        ),
      )
      .thresholds(thresholds(minSteps(slo.poolTimeSavedMinMs)))
      .thresholdsStyle(dashedThresholds())
      .span(24),
  ];
}

export function requestPanels() {
  const byName = 'name, method, status';
  return [
    table({
      title: 'Requests by name',
      description: 'Per request name (k6 `name` tag), method and status over the selected range: request count and p95 duration.',
      unit: 'short',
    })
      .withTarget(tableQuery(`sum by (${byName}) (increase(${series(k6Remote.counter('http_reqs'), run)}[$__range]))`))
      .withTarget(tableQuery(wholeRangeQuantile(0.95, k6Remote.trendSeconds('http_req_duration'), run, byName)))
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation({
        id: 'organize',
        options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'requests', 'Value #B': 'p95 duration' } },
      })
      .overrideByName('p95 duration', [{ id: 'unit', value: 's' }])
      .span(24)
      .height(10),
  ];
}

export function loadTestDashboard(slo: SloConfig = defaultSlo): BuiltDashboard {
  const builder = new DashboardBuilder('Load test (k6)')
    .uid(LOADTEST_UID)
    .description('One k6 run of the shop: load, latency against the SLO module, errors, checks, flows and requests.')
    .tags(['generated', 'k6', 'grpc-pools'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .timezone('browser')
    .annotation(builtInAnnotation())
    .withVariable(datasourceVariable())
    .withVariable(
      queryVariable('testid', 'Test run', `label_values(${k6Remote.gauge('vus')}, testid)`, { multi: true, sort: VariableSort.AlphabeticalDesc }),
    )
    .withRow(new RowBuilder('Run'));
  for (const panel of runPanels()) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Latency'));
  for (const panel of latencyPanels(slo)) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Errors, checks and pool gain'));
  for (const panel of qualityPanels(slo)) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Requests'));
  for (const panel of requestPanels()) builder.withPanel(panel);
  return finalize(builder);
}
