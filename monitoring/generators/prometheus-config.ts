/**
 * prometheus.yml for given addresses. The compose stack and the native mode (scripts/stack) render
 * the same document with different addresses. Only fields that Prometheus 2.42 and 3.x both accept.
 */
import { demoPoolTargets, jobs, poolExporterService, ports, scrapeTiming } from '../config/stack.ts';

export interface PrometheusConfigOptions {
  /** host:port of the pool exporter (both /probe and its own /metrics). */
  poolExporter: string;
  /** host:port of Alertmanager (alerting target and scrape target). */
  alertmanager: string;
  /** host:port of this Prometheus (self-scrape). */
  prometheus: string;
  /** Exporter target names to probe (keys of the exporter's targets map). */
  probeTargets: readonly string[];
  /** rule_files entries; relative paths resolve against the config file's directory. */
  ruleFiles: readonly string[];
  scrapeInterval?: string;
  /** Must not exceed the scrape interval (Prometheus refuses the config otherwise). */
  scrapeTimeout?: string;
  evaluationInterval?: string;
}

/** The compose flavour that `npm run generate` writes to monitoring/prometheus/prometheus.yml. */
export const composePrometheusOptions: PrometheusConfigOptions = {
  poolExporter: `pool-exporter:${ports.poolExporter}`,
  alertmanager: `alertmanager:${ports.alertmanager}`,
  prometheus: `prometheus:${ports.prometheus}`,
  probeTargets: Object.keys(demoPoolTargets),
  ruleFiles: ['rules/*.yml'],
};

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

function requireHostPort(field: string, value: string): string {
  if (!HOST_PORT.test(value)) throw new Error(`prometheus config: ${field} must be host:port, got ${JSON.stringify(value)}`);
  return value;
}

export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  const exporter = requireHostPort('poolExporter', options.poolExporter);
  if (options.probeTargets.length === 0) throw new Error('prometheus config: probeTargets is empty; nothing would be probed');
  return {
    global: {
      scrape_interval: options.scrapeInterval ?? scrapeTiming.interval,
      evaluation_interval: options.evaluationInterval ?? scrapeTiming.interval,
      scrape_timeout: options.scrapeTimeout ?? scrapeTiming.timeout,
    },
    rule_files: [...options.ruleFiles],
    alerting: {
      alertmanagers: [{ static_configs: [{ targets: [requireHostPort('alertmanager', options.alertmanager)] }] }],
    },
    scrape_configs: [
      {
        // Multi-target pattern: one scrape of /probe?target=<name> per probed service.
        job_name: jobs.poolProbe,
        metrics_path: '/probe',
        static_configs: [{ targets: [...options.probeTargets] }],
        relabel_configs: [
          { source_labels: ['__address__'], target_label: '__param_target' },
          { source_labels: ['__param_target'], target_label: 'service' },
          { source_labels: ['__param_target'], target_label: 'instance' },
          { target_label: '__address__', replacement: exporter },
        ],
      },
      {
        job_name: jobs.poolExporter,
        static_configs: [{ targets: [exporter], labels: { service: poolExporterService } }],
      },
      { job_name: jobs.prometheus, static_configs: [{ targets: [requireHostPort('prometheus', options.prometheus)] }] },
      { job_name: jobs.alertmanager, static_configs: [{ targets: [options.alertmanager] }] },
    ],
  };
}
