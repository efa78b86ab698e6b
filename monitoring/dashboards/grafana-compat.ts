/**
 * What the dashboard JSON model of each Grafana release knows, for the Grafana image that
 * docker-compose-monitoring.yaml pins: the schemaVersion it migrates dashboards to, and whether an
 * annotation query may carry `placement`. The foundation SDK follows Grafana's main branch, so its
 * output must match the pinned release (tests/core/grafana-compat.test.ts).
 */
export interface DashboardModel {
  schemaVersion: number;
  annotationPlacement: boolean;
  source: string;
}

/** By Grafana minor version. */
export const grafanaDashboardModels: Record<string, DashboardModel> = {
  '12.1': {
    schemaVersion: 41,
    annotationPlacement: false,
    source:
      'below 42: the v42 migration (grafana/grafana#110517, hideFrom.tooltip follows hideFrom.viz) was merged in 2025-09, after 12.1.0; ' +
      'AnnotationQuery.placement (#112816) first shipped in 12.3.0 (CHANGELOG)',
  },
  '12.3': {
    schemaVersion: 42,
    annotationPlacement: true,
    source:
      'CHANGELOG 12.3.0: "Dashboard Controls: Add annotations to the dashboard controls menu" (#112816, AnnotationQuery.placement: "inControlsMenu"); ' +
      'v42 (#110517) is the latest schema migration there (apps/dashboard/pkg/migration/schemaversion, "Latest Version: 42")',
  },
};

export function dashboardModelOf(grafanaVersion: string): DashboardModel | undefined {
  const minor = /^(\d+\.\d+)/.exec(grafanaVersion)?.[1] ?? '';
  return grafanaDashboardModels[minor];
}

interface DashboardJson {
  uid?: string;
  schemaVersion?: number;
  annotations?: { list?: { name?: string; placement?: string }[] };
}

/** Why these dashboards do not fit this Grafana version (empty when they do). */
export function dashboardModelProblems(dashboards: DashboardJson[], grafanaVersion: string): string[] {
  const model = dashboardModelOf(grafanaVersion);
  if (!model) return [`Grafana ${grafanaVersion} has no row in monitoring/dashboards/grafana-compat.ts (add its schemaVersion, with the source)`];
  return dashboards.flatMap((d) => [
    ...(d.schemaVersion === model.schemaVersion ? [] : [`${d.uid}: schemaVersion ${d.schemaVersion}, Grafana ${grafanaVersion} knows ${model.schemaVersion}`]),
    ...(model.annotationPlacement
      ? []
      : (d.annotations?.list ?? []).filter((a) => a.placement !== undefined).map((a) => `${d.uid}: annotation "${a.name}" has placement, unknown to Grafana ${grafanaVersion}`)),
  ]);
}
