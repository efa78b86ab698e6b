/**
 * prometheus.yml for given addresses. The compose stack and the native mode (scripts/stack) render
 * the same document with different addresses; the targets come from a preset (monitoring/config/targets.ts).
 * Only fields that Prometheus 2.42 and 3.x both accept.
 */
import { backendLabel, blackboxExporterService, grpcHealthModule, jobs, poolExporterService, ports, scrapeTiming } from '../config/stack.ts';
import { defaultTargetPreset, resolveTargets, targetPreset, type ResolvedTarget } from '../config/targets.ts';

export interface PrometheusConfigOptions {
  /** host:port of the pool exporter (both /probe and its own /metrics). */
  poolExporter: string;
  /** host:port of blackbox_exporter (gRPC health probes and its own /metrics); needed with grpcHealthTargets. */
  blackboxExporter?: string;
  /** host:port of Alertmanager (alerting target and scrape target). */
  alertmanager: string;
  /** host:port of this Prometheus (self-scrape). */
  prometheus: string;
  /** Exporter target names to probe (keys of the exporter's targets map). */
  probeTargets: readonly string[];
  /** Services whose own /metrics are scraped (one job, `service` label); none: no job. */
  metricsTargets?: readonly ResolvedTarget[];
  /** Backends whose grpc.health.v1 is probed through blackbox_exporter; none: no job. */
  grpcHealthTargets?: readonly ResolvedTarget[];
  /**
   * rule_files entries; relative paths resolve against the config file's directory. None: no
   * rule_files and no alerting section (without rules Prometheus has no alert to send).
   */
  ruleFiles: readonly string[];
  /** remote_write targets: every scraped sample is also sent there (the scale-out mode's Thanos router). */
  remoteWrite?: readonly RemoteWriteTarget[];
  scrapeInterval?: string;
  /** Must not exceed the scrape interval (Prometheus refuses the config otherwise). */
  scrapeTimeout?: string;
  evaluationInterval?: string;
}

export interface RemoteWriteTarget {
  /** Names the queue in Prometheus' own metrics (prometheus_remote_storage_*{remote_name}). */
  name: string;
  url: string;
  /** Extra request headers, e.g. a tenant (THANOS-TENANT) or a hosted store's org id. */
  headers?: Readonly<Record<string, string>>;
}

const composeDemo = targetPreset(defaultTargetPreset);

/** The compose flavour that `npm run generate` writes to monitoring/prometheus/prometheus.yml (demo preset, compose service names). */
export const composePrometheusOptions: PrometheusConfigOptions = {
  poolExporter: `pool-exporter:${ports.poolExporter}`,
  blackboxExporter: `blackbox-exporter:${ports.blackboxExporter}`,
  alertmanager: `alertmanager:${ports.alertmanager}`,
  prometheus: `prometheus:${ports.prometheus}`,
  probeTargets: composeDemo.poolHealth.map((e) => e.service),
  metricsTargets: resolveTargets(composeDemo.metrics, { kind: 'compose-service' }),
  grpcHealthTargets: resolveTargets(composeDemo.grpcHealth, { kind: 'compose-service' }),
  ruleFiles: ['rules/*.yml'],
};

/**
 * The scale-out mode's Prometheus (docs/scale-out.md): the same scrape jobs, every sample written
 * to the Thanos router, and no rules: Thanos Rule evaluates them through Thanos Query, which sees
 * k6's samples too, and a second evaluator would record every rule twice.
 */
export function scaleOutPrometheusOptions(base: PrometheusConfigOptions, remoteWriteUrl: string): PrometheusConfigOptions {
  return { ...base, ruleFiles: [], remoteWrite: [{ name: 'thanos-router', url: remoteWriteUrl }] };
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

function requireHostPort(field: string, value: string): string {
  if (!HOST_PORT.test(value)) throw new Error(`prometheus config: ${field} must be host:port, got ${JSON.stringify(value)}`);
  return value;
}

/** One static group per target, so each carries its own `service` label. */
function labelledTargets(field: string, targets: readonly ResolvedTarget[]): Record<string, unknown>[] {
  const seen = new Set<string>();
  return targets.map(({ service, address }) => {
    if (seen.has(service)) throw new Error(`prometheus config: ${field} names service ${service} twice`);
    seen.add(service);
    return { targets: [requireHostPort(`${field} ${service}`, address)], labels: { service } };
  });
}

export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  const exporter = requireHostPort('poolExporter', options.poolExporter);
  if (options.probeTargets.length === 0) throw new Error('prometheus config: probeTargets is empty; nothing would be probed');
  const metricsTargets = options.metricsTargets ?? [];
  const grpcHealthTargets = options.grpcHealthTargets ?? [];
  const serviceMetrics = metricsTargets.length === 0 ? [] : [
    {
      job_name: jobs.serviceMetrics,
      static_configs: labelledTargets('metricsTargets', metricsTargets),
      metric_relabel_configs: [
        // The gateway labels its gRPC client series with the backend as `service`; the target's
        // `service` (the gateway) wins and Prometheus keeps the other as exported_service.
        { source_labels: ['exported_service'], regex: '(.+)', target_label: backendLabel },
        { action: 'labeldrop', regex: 'exported_service' },
      ],
    },
  ];
  const blackbox = grpcHealthTargets.length === 0 ? '' : requireHostPort('blackboxExporter', options.blackboxExporter ?? '');
  const grpcHealth = grpcHealthTargets.length === 0 ? [] : [
    {
      // Multi-target pattern of blackbox_exporter: /probe?module=grpc_health&target=host:port.
      job_name: jobs.grpcHealth,
      metrics_path: '/probe',
      params: { module: [grpcHealthModule] },
      static_configs: labelledTargets('grpcHealthTargets', grpcHealthTargets),
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { source_labels: ['__param_target'], target_label: 'instance' },
        { target_label: '__address__', replacement: blackbox },
      ],
    },
    { job_name: jobs.blackboxExporter, static_configs: [{ targets: [blackbox], labels: { service: blackboxExporterService } }] },
  ];
  const alertmanager = requireHostPort('alertmanager', options.alertmanager);
  const rules = options.ruleFiles.length === 0 ? {} : {
    rule_files: [...options.ruleFiles],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager] }] }] },
  };
  const remoteWrite = (options.remoteWrite ?? []).map((target) => {
    if (!/^https?:\/\/[^/\s]+/.test(target.url)) throw new Error(`prometheus config: remote write ${target.name} needs an http(s) URL, got ${JSON.stringify(target.url)}`);
    return {
      name: target.name,
      url: target.url,
      ...(target.headers && Object.keys(target.headers).length > 0 ? { headers: { ...target.headers } } : {}),
      // k6's trends and Prometheus' own histograms arrive as native histograms; keep them so.
      send_native_histograms: true,
    };
  });
  return {
    global: {
      scrape_interval: options.scrapeInterval ?? scrapeTiming.interval,
      evaluation_interval: options.evaluationInterval ?? scrapeTiming.interval,
      scrape_timeout: options.scrapeTimeout ?? scrapeTiming.timeout,
    },
    ...rules,
    ...(remoteWrite.length === 0 ? {} : { remote_write: remoteWrite }),
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
      ...serviceMetrics,
      ...grpcHealth,
      { job_name: jobs.prometheus, static_configs: [{ targets: [requireHostPort('prometheus', options.prometheus)] }] },
      { job_name: jobs.alertmanager, static_configs: [{ targets: [alertmanager] }] },
    ],
  };
}
