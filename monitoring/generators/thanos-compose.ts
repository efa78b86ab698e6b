/**
 * The scale-out store in compose (docker-compose-monitoring.yaml, profile `scale-out`): the
 * command lines of monitoring/generators/thanos.ts with compose service names as hosts and
 * 0.0.0.0 binds, the container paths they name, and the generated files compose mounts
 * (monitoring/thanos/, prometheus-scale-out.yml). A test keeps the compose file's commands equal
 * to these.
 */
import { ports } from '../config/stack.ts';
import { composePrometheusOptions, scaleOutPrometheusOptions, type PrometheusConfigOptions } from './prometheus-config.ts';
import { hashrings, queryArgs, queryUrl, receiverArgs, routerArgs, routerWriteUrl, ruleArgs, ruleRemoteWriteConfig, thanosAddresses, type BindOf } from './thanos.ts';

/** Every component's host is its compose service name. */
export const composeThanosAddresses = thanosAddresses((service) => service);

/** In a container every process listens on all interfaces, on the port of its address. */
export const composeBind: BindOf = (address) => `0.0.0.0:${address.slice(address.lastIndexOf(':') + 1)}`;

/** Where the containers find their files and keep their data. */
export const composeThanosPaths = {
  /** ./monitoring/thanos, read-only: hashrings.json and rule-remote-write.yml. */
  configDir: '/etc/thanos/config',
  /** ./monitoring/thanos/rules, read-only: the rule files as Thanos Rule evaluates them (thanosRuleFile). */
  rulesDir: '/etc/thanos/rules',
  /** Each receiver's TSDB, on its own volume. */
  receiveTsdb: '/var/thanos/receive',
  /** Thanos Rule's write-ahead log for its remote write, on a volume. */
  ruleData: '/var/thanos/rule',
} as const;

/** The compose services of the store and their commands (the image's entrypoint is /bin/thanos). */
export function composeThanosCommands(): Record<string, string[]> {
  const a = composeThanosAddresses;
  const p = composeThanosPaths;
  return {
    ...Object.fromEntries(a.receivers.map((r) => [r.name, receiverArgs(r, p.receiveTsdb, composeBind)])),
    'thanos-receive-router': routerArgs(a, `${p.configDir}/hashrings.json`, composeBind),
    'thanos-query': queryArgs(a, composeBind),
    'thanos-rule': ruleArgs(
      a,
      {
        dataDir: p.ruleData,
        ruleFiles: [`${p.rulesDir}/*.yml`],
        alertmanagerUrl: `http://alertmanager:${ports.alertmanager}`,
        remoteWriteConfigPath: `${p.configDir}/rule-remote-write.yml`,
      },
      composeBind,
    ),
  };
}

/** monitoring/thanos/hashrings.json: the receivers by service name. */
export const composeHashrings = (): unknown[] => hashrings(composeThanosAddresses);
/** monitoring/thanos/rule-remote-write.yml: Thanos Rule writes its results to the router. */
export const composeRuleRemoteWrite = (): Record<string, unknown> => ruleRemoteWriteConfig(composeThanosAddresses);

/** monitoring/prometheus/prometheus-scale-out.yml: compose's scrape jobs, written to the router, no rules. */
export const composeScaleOutPrometheusOptions: PrometheusConfigOptions = scaleOutPrometheusOptions(composePrometheusOptions, routerWriteUrl(composeThanosAddresses));

/** What stack:up --scale-out hands compose: Grafana reads Query, k6 writes to the router. */
export const composeScaleOutUrls = {
  grafanaPrometheusUrl: queryUrl(composeThanosAddresses),
  k6RemoteWriteUrl: routerWriteUrl(composeThanosAddresses),
} as const;

/** The defaults compose falls back to without the profile: Prometheus for both. */
export const composeDefaultUrls = {
  grafanaPrometheusUrl: `http://prometheus:${ports.prometheus}`,
  k6RemoteWriteUrl: `http://prometheus:${ports.prometheus}/api/v1/write`,
} as const;
