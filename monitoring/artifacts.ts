/**
 * Everything `npm run generate` writes, as (repo-relative path, content) pairs. Pure and
 * deterministic: the drift test compares it with the committed files byte for byte.
 */
import { dashboards } from './dashboards/index.ts';
import { alertmanagerYaml, composeSinkTokenFile, composeSinkUrl } from './generators/alertmanager-config.ts';
import { blackboxConfig } from './generators/blackbox-config.ts';
import { alertmanagerTemplates } from './generators/alertmanager-templates.ts';
import { alertPanelLinks } from './alert-panels.ts';
import { OVERVIEW_UID } from './dashboards/overview.ts';
import { composeEnvGrafanaDatasources, composeGrafanaDatasources, grafanaDashboardProvider, grafanaDatasources } from './generators/grafana-provisioning.ts';
import { poolExporterConfig } from './generators/pool-exporter-config.ts';
import { composePrometheusOptions, prometheusConfig } from './generators/prometheus-config.ts';
import { ruleTestFiles } from './rules/rule-tests/index.ts';
import { ruleFiles } from './rules/index.ts';
import { thanosRuleFile } from './generators/thanos.ts';
import { defaultSlo, type SloConfig } from './config/slo-config.ts';
import { generatedYaml } from './lib/yaml.ts';
import { composeHashrings, composeRuleRemoteWrite, composeScaleOutPrometheusOptions } from './generators/thanos-compose.ts';
import { kubernetesManifests, manifestYaml } from './generators/kubernetes/index.ts';

export interface Artifact {
  path: string;
  content: string;
}

export function buildArtifacts(slo: SloConfig = defaultSlo): Artifact[] {
  const artifacts: Artifact[] = [];
  const add = (path: string, content: string): void => {
    if (artifacts.some((a) => a.path === path)) throw new Error(`generate: two artifacts would write ${path}`);
    artifacts.push({ path, content });
  };
  for (const [name, file] of Object.entries(ruleFiles(slo))) {
    add(`monitoring/prometheus/rules/${name}`, generatedYaml(file, 'monitoring/rules'));
    add(`monitoring/thanos/rules/${name}`, generatedYaml(thanosRuleFile(file), 'monitoring/rules, monitoring/generators/thanos.ts'));
  }
  for (const [name, file] of Object.entries(ruleTestFiles(slo))) {
    add(`monitoring/prometheus/tests/${name}`, generatedYaml(file, 'monitoring/rules/rule-tests'));
  }
  add('monitoring/prometheus/prometheus.yml', generatedYaml(prometheusConfig(composePrometheusOptions), 'monitoring/generators/prometheus-config.ts'));
  add(
    'monitoring/prometheus/prometheus-scale-out.yml',
    generatedYaml(prometheusConfig(composeScaleOutPrometheusOptions), 'monitoring/generators/prometheus-config.ts (scale-out: monitoring/generators/thanos-compose.ts)'),
  );
  add('monitoring/thanos/hashrings.json', `${JSON.stringify(composeHashrings(), null, 2)}\n`);
  add('monitoring/thanos/rule-remote-write.yml', generatedYaml(composeRuleRemoteWrite(), 'monitoring/generators/thanos-compose.ts'));
  add('monitoring/alertmanager/alertmanager.yml', alertmanagerYaml({ sinkUrl: composeSinkUrl, sinkTokenFile: composeSinkTokenFile }));
  add('monitoring/blackbox/blackbox.yml', generatedYaml(blackboxConfig(), 'monitoring/generators/blackbox-config.ts'));
  add('monitoring/alertmanager/templates/notifications.tmpl', alertmanagerTemplates(alertPanelLinks(slo), OVERVIEW_UID));
  add('monitoring/pool-exporter/pool-exporter.yml', generatedYaml(poolExporterConfig(), 'monitoring/generators/pool-exporter-config.ts'));
  add(
    'monitoring/grafana/provisioning/datasources/datasources.yml',
    generatedYaml(grafanaDatasources(composeGrafanaDatasources), 'monitoring/generators/grafana-provisioning.ts'),
  );
  add(
    'monitoring/grafana/compose-datasources/datasources.yml',
    generatedYaml(grafanaDatasources(composeEnvGrafanaDatasources), 'monitoring/generators/grafana-provisioning.ts'),
  );
  add('monitoring/grafana/provisioning/dashboards/dashboards.yml', generatedYaml(grafanaDashboardProvider(), 'monitoring/generators/grafana-provisioning.ts'));
  for (const dashboard of dashboards(slo)) {
    add(`monitoring/grafana/dashboards/${dashboard.uid}.json`, `${JSON.stringify(dashboard, null, 2)}\n`);
  }
  for (const [name, objects] of Object.entries(kubernetesManifests({ ruleFiles: ruleFiles(slo), dashboards: dashboards(slo) }))) {
    add(`deploy/kubernetes/${name}`, manifestYaml(objects, 'monitoring/generators/kubernetes/'));
  }
  return artifacts;
}
