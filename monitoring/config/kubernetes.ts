/**
 * Where the stack lives in a Kubernetes cluster (deploy/kubernetes/, `npm run generate`): the
 * namespace, the label the prometheus-operator and Grafana select on, images, and the k6-operator
 * run. Change them here and regenerate.
 */
import { ports } from './stack.ts';

export const kubernetes = {
  namespace: 'grpc-pool-observability',
  /**
   * On every resource. A Prometheus custom resource picks the rules, probes and service monitors
   * up when its ruleSelector / probeSelector / serviceMonitorSelector match it (or are empty).
   */
  commonLabels: { 'app.kubernetes.io/part-of': 'grpc-pool-observability' },
  /** Label the Grafana dashboard sidecar (kube-prometheus-stack, grafana chart) looks for. */
  dashboardLabel: { grafana_dashboard: '1' },
  /** Label an Alertmanager custom resource's alertmanagerConfigSelector should match. */
  alertmanagerConfigLabel: { alertmanagerConfig: 'grpc-pool-observability' },
  poolExporter: {
    name: 'pool-exporter',
    image: 'grpc-pool-observability/pool-exporter:0.1.0',
    port: ports.poolExporter,
    /** Host of the probed services' pool health endpoints (the exporter's DEMO_HOST). */
    targetHost: 'demo',
  },
  /** Alertmanager's webhook receiver: the notification sink's Service in the namespace. */
  sinkUrl: `http://notification-sink:${ports.notificationSink}/alerts`,
  k6: {
    /** The k6-operator runs the test as this many pods, each one execution segment. */
    parallelism: 3,
    scenario: 'e2e' as const,
    testid: 'e2e-k8s',
    profile: 'full' as const,
    baseUrl: `http://demo:${ports.demoGateway}`,
    /** Where the runners remote-write: Prometheus' receiver in the cluster. */
    remoteWriteUrl: `http://prometheus-operated:${ports.prometheus}/api/v1/write`,
    scriptsConfigMap: 'k6-scripts',
    /**
     * A Secret you create when the store wants auth or a tenant (k6's own variables as keys:
     * K6_PROMETHEUS_RW_USERNAME, _PASSWORD, _BEARER_TOKEN, _HTTP_HEADERS); optional for the runners.
     */
    remoteWriteSecret: 'k6-remote-write',
  },
} as const;
