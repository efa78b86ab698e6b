/**
 * Plain Kubernetes objects: the pool exporter (its config, Deployment and Service) and the
 * dashboards as ConfigMaps in the Grafana sidecar's convention (label grafana_dashboard: "1").
 */
import { kubernetes } from '../../config/kubernetes.ts';
import { generatedYaml } from '../../lib/yaml.ts';
import { poolExporterConfig } from '../pool-exporter-config.ts';
import { object, type K8sObject } from './objects.ts';

const CONFIG_FILE = 'pool-exporter.yml';

export function poolExporter(): K8sObject[] {
  const exporter = kubernetes.poolExporter;
  const podLabels = { 'app.kubernetes.io/name': exporter.name };
  const config = object('v1', 'ConfigMap', `${exporter.name}-config`, {
    data: { [CONFIG_FILE]: generatedYaml(poolExporterConfig(), 'monitoring/generators/pool-exporter-config.ts') },
  });
  const deployment = object(
    'apps/v1',
    'Deployment',
    exporter.name,
    {
      spec: {
        replicas: 1,
        selector: { matchLabels: podLabels },
        template: {
          metadata: { labels: { ...kubernetes.commonLabels, ...podLabels } },
          spec: {
            containers: [
              {
                name: exporter.name,
                image: exporter.image,
                args: ['--config', `/etc/pool-exporter/${CONFIG_FILE}`, '--listen', `0.0.0.0:${exporter.port}`],
                env: [{ name: 'DEMO_HOST', value: exporter.targetHost }],
                ports: [{ name: 'http', containerPort: exporter.port, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/-/healthy', port: 'http' }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/-/healthy', port: 'http' }, periodSeconds: 10, failureThreshold: 5 },
                volumeMounts: [{ name: 'config', mountPath: '/etc/pool-exporter', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: config.metadata.name } }],
          },
        },
      },
    },
    podLabels,
  );
  // Named after the exporter: the ServiceMonitor's job and `service` label come from this name.
  const service = object(
    'v1',
    'Service',
    exporter.name,
    { spec: { selector: podLabels, ports: [{ name: 'http', port: exporter.port, targetPort: 'http', protocol: 'TCP' }] } },
    podLabels,
  );
  return [config, deployment, service];
}

/** One ConfigMap per dashboard (monitoring/dashboards/ `dashboards()`), the file named <uid>.json as in monitoring/grafana/dashboards/. */
export function dashboardConfigMaps(dashboards: { uid: string }[]): K8sObject[] {
  return dashboards.map((dashboard) =>
    object('v1', 'ConfigMap', `grafana-dashboard-${dashboard.uid}`, { data: { [`${dashboard.uid}.json`]: `${JSON.stringify(dashboard, null, 2)}\n` } }, kubernetes.dashboardLabel),
  );
}
