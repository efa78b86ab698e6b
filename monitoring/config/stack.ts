/**
 * Selectors, job names and addresses that the generators share (the mixin `_config`).
 * Thresholds live in slo.ts; this file says *where* things are, not how good they must be.
 */
import { demoTargetName, type DemoTargetName } from '../../contract/targets.ts';

/** Prometheus job names. Alerts and dashboards select on these. */
export const jobs = {
  /** Multi-target probes of /health/pools/detailed through the pool exporter. */
  poolProbe: 'grpc-pools',
  /** The pool exporter's own /metrics. */
  poolExporter: 'pool-exporter',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
} as const;

/**
 * `service` label of the pool exporter's own series (a static label of its scrape job) and of
 * PoolExporterDown, which Alertmanager's exporter-down inhibition matches on.
 */
export const poolExporterService = 'pool-exporter';

/** Default ports of the stack. Native mode and compose use the same numbers. */
export const ports = {
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  poolExporter: 9470,
  notificationSink: 9097,
  demoGateway: 8000,
} as const;

/**
 * Scrape timing that Prometheus, the pool exporter's targets and Grafana must agree on.
 * The probe timeout stays under Prometheus' scrape timeout, so a slow target still answers a
 * whole exposition (probe_success 0) instead of a failed scrape; the timeout stays under the interval.
 */
export const scrapeTiming = {
  /** Prometheus scrape and evaluation interval, and Grafana's datasource timeInterval. */
  interval: '5s',
  timeout: '4s',
  /** The pool exporter's fetch timeout per target. */
  probeTimeout: '3s',
} as const;

/**
 * Flags the stack passes to Prometheus beyond paths and addresses, with the reason for each:
 * native mode, docker-compose-monitoring.yaml (a test checks) and the tests' Prometheus all pass
 * these, and docs/core.md's table is generated from them. Not --web.enable-lifecycle: it lets any
 * web page POST /-/quit (a cross-origin "simple" request needs no preflight); both modes reload
 * by SIGHUP instead (stack:up sends it; compose: `docker compose kill -s SIGHUP prometheus`).
 */
export const prometheusFlags = [
  {
    flag: '--web.enable-remote-write-receiver',
    why: 'k6 pushes its metrics to `/api/v1/write` (the old `--enable-feature=remote-write-receiver` is gone in 3.x)',
  },
  {
    flag: '--enable-feature=native-histograms',
    why: "store k6's native histograms (2.42 to 3.8; a no-op from 3.9, where native histograms are stable; harmless to keep)",
  },
] as const;

/** Fixed datasource uids: dashboards and provisioning must agree on them. */
export const datasourceUids = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
} as const;

/**
 * Default ports of the demo shop's backends (docs/demo.md): each has an HTTP health port and a
 * gRPC port; `admin` is the fault-injection endpoint that `npm run demo:fault` talks to.
 */
export const demoShopPorts = {
  admin: 8099,
  health: { user: 9001, product: 9002, order: 9003, inventory: 9004, payment: 9005, notification: 9006 },
  grpc: { user: 50051, product: 50052, order: 50053, inventory: 50054, payment: 50055, notification: 50056 },
} as const;

/** Probe targets of the demo shop: exporter target name -> host:port of its pool health endpoint. */
export const demoPoolTargets: Readonly<Record<DemoTargetName, string>> = {
  [demoTargetName.apiGateway]: `127.0.0.1:${ports.demoGateway}`,
  [demoTargetName.orderService]: `127.0.0.1:${demoShopPorts.health.order}`,
  [demoTargetName.paymentService]: `127.0.0.1:${demoShopPorts.health.payment}`,
};

/**
 * Environment variable that moves each probe target's port in the exporter's config. They are the
 * demo shop's own port variables, so one environment moves the shop and the probes together.
 */
export const demoPoolTargetPortEnv: Readonly<Record<DemoTargetName, string>> = {
  [demoTargetName.apiGateway]: 'DEMO_GATEWAY_PORT',
  [demoTargetName.orderService]: 'DEMO_ORDER_HEALTH_PORT',
  [demoTargetName.paymentService]: 'DEMO_PAYMENT_HEALTH_PORT',
};

/**
 * Where people open Grafana: notifications link to dashboard panels under this base. Compose and
 * native mode both publish Grafana here; a team behind a proxy changes this one line.
 */
export const grafanaBaseUrl = `http://127.0.0.1:${ports.grafana}`;

/**
 * Base of runbook links in alert annotations: docs/runbooks.md, one section per alert, served by
 * the stack's notification sink (GET /runbooks), so a link in a notification opens on any machine
 * that runs the stack. RUNBOOK_BASE_URL in .env makes the sink redirect there instead (your wiki);
 * to put another host in the alerts themselves, change this and run `npm run generate`.
 */
export const runbookBaseUrl = `http://localhost:${ports.notificationSink}/runbooks`;

/**
 * Which service each load-test latency target measures: the `service` label of the load-test
 * alerts, which notifications show and Alertmanager groups by (with alertname). No inhibition
 * pairs them with pool alerts. `loadtest` stands for the shop as a whole (full flow, errors, checks).
 */
export const latencyTargetService = {
  fullFlow: 'loadtest',
  apiGateway: demoTargetName.apiGateway,
  orderService: demoTargetName.orderService,
  paymentService: demoTargetName.paymentService,
  login: 'user-service',
} as const;
export const loadTestService = latencyTargetService.fullFlow;
