/** Grafana provisioning: the two datasources (fixed uids from config.ts) and the dashboards folder. */
import { datasourceUids, ports, scrapeTiming } from '../config/stack.ts';

export const GRAFANA_DASHBOARDS_PATH = '/var/lib/grafana/dashboards';

export interface GrafanaDatasourceOptions {
  prometheusUrl: string;
  alertmanagerUrl: string;
}

export const composeGrafanaDatasources: GrafanaDatasourceOptions = {
  prometheusUrl: `http://prometheus:${ports.prometheus}`,
  alertmanagerUrl: `http://alertmanager:${ports.alertmanager}`,
};

/**
 * Compose's copy (monitoring/grafana/compose-datasources/, mounted as Grafana's datasources folder)
 * takes the Prometheus URL from Grafana's environment: Grafana expands $VAR and ${VAR} in
 * provisioning files. docker-compose-monitoring.yaml sets it to Prometheus by default and
 * `stack:up --scale-out` to Thanos Query. Native mode copies the literal file of provisioning/.
 */
export const grafanaPrometheusUrlVariable = 'GRAFANA_PROMETHEUS_URL';
export const composeEnvGrafanaDatasources: GrafanaDatasourceOptions = {
  ...composeGrafanaDatasources,
  prometheusUrl: `\${${grafanaPrometheusUrlVariable}}`,
};

export function grafanaDatasources(options: GrafanaDatasourceOptions): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: datasourceUids.prometheus,
        type: 'prometheus',
        access: 'proxy',
        url: options.prometheusUrl,
        isDefault: true,
        editable: false,
        // The scrape interval, so $__rate_interval covers at least four samples.
        jsonData: { timeInterval: scrapeTiming.interval, httpMethod: 'POST' },
      },
      {
        name: 'Alertmanager',
        uid: datasourceUids.alertmanager,
        type: 'alertmanager',
        access: 'proxy',
        url: options.alertmanagerUrl,
        editable: false,
        jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
      },
    ],
  };
}

export function grafanaDashboardProvider(): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'grpc-pool-observability',
        folder: 'gRPC pool observability',
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: GRAFANA_DASHBOARDS_PATH, foldersFromFilesStructure: false },
      },
    ],
  };
}
