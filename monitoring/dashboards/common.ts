/**
 * Small helpers every dashboard uses (as in the SDK's linux-node-overview example): the datasource
 * variable, Prometheus queries on it, query variables, panel defaults and SLO threshold steps.
 * Panel helpers take title, description and unit together, so no panel can miss one.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { datasourceUids } from '../config/stack.ts';
import { msToSeconds } from '../config/slo-config.ts';

/** Every query and variable reads the dashboard's `datasource` variable. */
export const datasource: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
    .current({ selected: true, text: 'Prometheus', value: datasourceUids.prometheus });
}

export interface VariableOptions {
  multi?: boolean;
  /** Include an "All" option matching this regex (e.g. `.+`). */
  allValue?: string;
  sort?: dashboard.VariableSort;
}

export function queryVariable(name: string, label: string, query: string, options: VariableOptions = {}): dashboard.QueryVariableBuilder {
  const variable = new dashboard.QueryVariableBuilder(name)
    .label(label)
    .query(query)
    .definition(query)
    .datasource(datasource)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(options.sort ?? dashboard.VariableSort.AlphabeticalAsc)
    .multi(options.multi ?? false)
    .includeAll(options.allValue !== undefined);
  return options.allValue === undefined ? variable : variable.allValue(options.allValue);
}

/** A range query drawn over time. */
export function prometheusQuery(expr: string, legend: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().datasource(datasource).expr(expr).legendFormat(legend).range();
}

/** One value per series at the end of the range (whole-run figures). */
export function instantQuery(expr: string, legend: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().datasource(datasource).expr(expr).legendFormat(legend).instant();
}

export function tableQuery(expr: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().datasource(datasource).expr(expr).format(prometheus.PromQueryFormat.Table).instant();
}

export interface PanelText {
  title: string;
  description: string;
  unit: string;
}

export function timeseries({ title, description, unit }: PanelText): TimeseriesBuilder {
  return new TimeseriesBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .datasource(datasource)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).placement(common.LegendPlacement.Bottom).displayMode(common.LegendDisplayMode.List))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

export function stat({ title, description, unit }: PanelText): StatBuilder {
  return new StatBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .datasource(datasource)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.ValueAndName);
}

export function stateTimeline({ title, description, unit }: PanelText): StateTimelineBuilder {
  return new StateTimelineBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .datasource(datasource)
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true);
}

export function table({ title, description, unit }: PanelText): TableBuilder {
  return new TableBuilder().title(title).description(description).unit(unit).datasource(datasource);
}

export function thresholds(steps: dashboard.Threshold[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

/** Green up to a latency target, red above (values in seconds, targets in ms). */
export function latencySteps(targetMs: number): dashboard.Threshold[] {
  return [
    { value: null, color: 'green' },
    { value: msToSeconds(targetMs), color: 'red' },
  ];
}

/** Green up to a maximum, red above. */
export function maxSteps(max: number): dashboard.Threshold[] {
  return [
    { value: null, color: 'green' },
    { value: max, color: 'red' },
  ];
}

/** Red below a minimum, green from it up. */
export function minSteps(min: number): dashboard.Threshold[] {
  return [
    { value: null, color: 'red' },
    { value: min, color: 'green' },
  ];
}

/** Pool health bands of slo.pool: unhealthy (red), degraded (orange), healthy (green). */
export function poolRatioSteps(pool: { unhealthyBelowRatio: number; degradedBelowRatio: number }): dashboard.Threshold[] {
  return [
    { value: null, color: 'red' },
    { value: pool.unhealthyBelowRatio, color: 'orange' },
    { value: pool.degradedBelowRatio, color: 'green' },
  ];
}

/** Draw the thresholds as dashed lines on a time series. */
export const dashedThresholds = (): common.GraphThresholdsStyleConfigBuilder =>
  new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed);

/** Value -> text and colour, for state sets drawn as numbers (0, 1, 2, ...). */
export function stateMappings(states: readonly { text: string; color: string }[]): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  states.forEach((state, index) => {
    options[String(index)] = { text: state.text, color: state.color, index };
  });
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

/** An override property that sets one field's colour. */
export function fixedColor(color: string): dashboard.DynamicConfigValue {
  return { id: 'color', value: { mode: 'fixed', fixedColor: color } };
}

/** Grafana's own "Annotations & Alerts" layer, which every dashboard carries. */
export function builtInAnnotation(): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Annotations & Alerts')
    .builtIn(1)
    .type('dashboard')
    .datasource({ type: 'grafana', uid: '-- Grafana --' })
    .enable(true)
    .hide(true)
    .iconColor('rgba(0, 211, 255, 1)');
}

export type BuiltDashboard = dashboard.Dashboard & { uid: string };

/**
 * Build and give every panel a stable id and every query a refId (the SDK leaves both unset),
 * so the JSON is identical on each run and Grafana keeps panel links.
 */
export function finalize(builder: dashboard.DashboardBuilder): BuiltDashboard {
  const built = builder.build();
  if (!built.uid) throw new Error(`dashboard "${built.title}" has no uid`);
  let nextId = 1;
  const visit = (panels: (dashboard.Panel | dashboard.RowPanel)[] | undefined): void => {
    for (const panel of panels ?? []) {
      panel.id = nextId++;
      if ('targets' in panel && panel.targets) {
        panel.targets.forEach((target, index) => {
          const query = target as { refId?: string };
          query.refId ??= String.fromCharCode(65 + index);
        });
      }
      if (panel.type === 'row') visit((panel as dashboard.RowPanel).panels);
    }
  };
  visit(built.panels);
  return built as BuiltDashboard;
}
