/**
 * prometheus-operator resources from the same sources as the plain files: a PrometheusRule per
 * rule file, a Probe for the exporter's multi-target job, a ServiceMonitor for the exporter's own
 * metrics, and an AlertmanagerConfig translated from alertmanager.yml's routes and inhibitions.
 * Field names follow the CRDs of github.com/prometheus-operator/prometheus-operator (a test
 * validates them against the CRDs' openAPIV3Schema).
 */
import { kubernetes } from '../../config/kubernetes.ts';
import { demoPoolTargets, jobs, scrapeTiming } from '../../config/stack.ts';
import { alertmanagerConfig } from '../alertmanager-config.ts';
import { object, type K8sObject } from './objects.ts';

const MONITORING_V1 = 'monitoring.coreos.com/v1';

/** One PrometheusRule per rule file (monitoring/rules/ `ruleFiles()`, by file name). */
export function prometheusRules(ruleFiles: Record<string, { groups: unknown[] }>): K8sObject[] {
  return Object.entries(ruleFiles).map(([file, rules]) =>
    object(MONITORING_V1, 'PrometheusRule', `grpc-pool-${file.replace(/\.yml$/, '')}`, { spec: { groups: rules.groups } }),
  );
}

/**
 * The multi-target job: the operator points each static target at the prober's /probe with
 * ?target=<name> and sets `instance` from it; `service` is the target name, as in prometheus.yml.
 */
export function poolProbe(): K8sObject {
  const exporter = kubernetes.poolExporter;
  return object(MONITORING_V1, 'Probe', jobs.poolProbe, {
    spec: {
      jobName: jobs.poolProbe,
      interval: scrapeTiming.interval,
      scrapeTimeout: scrapeTiming.timeout,
      prober: { url: `${exporter.name}.${kubernetes.namespace}.svc:${exporter.port}`, path: '/probe', scheme: 'http' },
      targets: {
        staticConfig: {
          static: Object.keys(demoPoolTargets),
          relabelingConfigs: [{ sourceLabels: ['__param_target'], targetLabel: 'service' }],
        },
      },
    },
  });
}

/**
 * The exporter's own /metrics: the operator names the job after the Service (pool-exporter) and
 * sets `service` to the Service's name, which is the label PoolExporterDown and its inhibition use.
 */
export function poolExporterServiceMonitor(): K8sObject {
  const exporter = kubernetes.poolExporter;
  return object(MONITORING_V1, 'ServiceMonitor', jobs.poolExporter, {
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': exporter.name } },
      endpoints: [{ port: 'http', path: '/metrics', interval: scrapeTiming.interval, scrapeTimeout: scrapeTiming.timeout }],
    },
  });
}

interface Matcher {
  name: string;
  value: string;
  matchType: '=' | '!=' | '=~' | '!~';
}

/** `severity="critical"` or `alertname=~"A|B"` (alertmanager.yml's matcher strings) as a CRD matcher. */
export function parseMatcher(text: string): Matcher {
  const match = /^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"(.*)"$/.exec(text);
  if (!match) throw new Error(`alertmanager config: matcher ${JSON.stringify(text)} is not name<op>"value"`);
  return { name: match[1] ?? '', matchType: (match[2] ?? '=') as Matcher['matchType'], value: match[3] ?? '' };
}

type Raw = Record<string, unknown>;

function route(raw: Raw): Raw {
  const rename: Record<string, string> = { group_by: 'groupBy', group_wait: 'groupWait', group_interval: 'groupInterval', repeat_interval: 'repeatInterval' };
  const result: Raw = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'matchers') result.matchers = (value as string[]).map(parseMatcher);
    else if (key === 'routes') result.routes = (value as Raw[]).map(route);
    else result[rename[key] ?? key] = value;
  }
  return result;
}

/**
 * alertmanager.yml as an AlertmanagerConfig (the webhook receivers only: Slack and email take
 * their secrets from Secrets, which a cluster names; add them to the generated object there).
 * The operator scopes its routes to this namespace's alerts.
 */
export function alertmanagerConfigResource(): K8sObject {
  const config = alertmanagerConfig({ sinkUrl: kubernetes.sinkUrl }) as { route: Raw; inhibit_rules: Raw[]; receivers: Raw[] };
  return object(
    'monitoring.coreos.com/v1alpha1',
    'AlertmanagerConfig',
    'grpc-pool-observability',
    {
      spec: {
        route: route(config.route),
        receivers: config.receivers.map((r) => ({
          name: r.name,
          webhookConfigs: (r.webhook_configs as { url: string; send_resolved: boolean }[]).map((w) => ({ url: w.url, sendResolved: w.send_resolved })),
        })),
        inhibitRules: config.inhibit_rules.map((rule) => ({
          sourceMatch: (rule.source_matchers as string[]).map(parseMatcher),
          targetMatch: (rule.target_matchers as string[]).map(parseMatcher),
          ...(rule.equal ? { equal: rule.equal } : {}),
        })),
      },
    },
    kubernetes.alertmanagerConfigLabel,
  );
}
