/**
 * The scale-out store's processes as command lines, for given addresses: the native mode runs them
 * with 127.0.0.1 addresses (scripts/stack/native.ts, tools/thanos-ring.ts), compose's `scale-out`
 * profile with service names (a test compares). Topology (monitoring/config/thanos.ts):
 *
 *   k6, Prometheus ──remote write──▶ router ──hashring, replication 2──▶ receive-1..3 (ingest)
 *   Grafana, Thanos Rule ──PromQL──▶ Query ──gRPC StoreAPI──▶ receive-1..3 (dedup on the replica label)
 *   Thanos Rule ──recording results──▶ router; its alerts ──▶ Alertmanager
 *
 * The router is a receiver in routing-only mode (no local TSDB): the one write address clients
 * need, so any ingesting receiver can die without a client noticing.
 */
import { hashringFile, receiverName, thanos, type ThanosPorts } from '../config/thanos.ts';
import { scrapeTiming } from '../config/stack.ts';

export interface ReceiverAddresses {
  name: string;
  grpc: string;
  http: string;
  /** Its own remote-write listener (bound; clients write to the router). */
  remoteWrite: string;
  capnproto: string;
}

export interface ThanosAddresses {
  router: { grpc: string; http: string; remoteWrite: string; capnproto: string };
  receivers: ReceiverAddresses[];
  query: { http: string; grpc: string };
  rule: { http: string; grpc: string };
}

/** Where each process listens: `hostOf(component)` gives the host (127.0.0.1 natively, service names in compose). */
export function thanosAddresses(hostOf: (component: string) => string = () => '127.0.0.1', p: ThanosPorts = thanos.ports): ThanosAddresses {
  const at = (component: string, port: number): string => `${hostOf(component)}:${port}`;
  // Natively every receiver shares a host, so each gets its own ports (base + i); in compose each
  // has its own container and the offsets are harmless.
  return {
    router: {
      grpc: at('thanos-receive-router', p.routerGrpc),
      http: at('thanos-receive-router', p.routerHttp),
      remoteWrite: at('thanos-receive-router', p.routerRemoteWrite),
      capnproto: at('thanos-receive-router', p.receiveCapnproto + thanos.receivers),
    },
    receivers: Array.from({ length: thanos.receivers }, (_, i) => {
      const name = receiverName(i);
      return {
        name,
        grpc: at(name, p.receiveGrpc + i),
        http: at(name, p.receiveHttp + i),
        remoteWrite: at(name, p.receiveRemoteWrite + i),
        capnproto: at(name, p.receiveCapnproto + i),
      };
    }),
    query: { http: at('thanos-query', p.queryHttp), grpc: at('thanos-query', p.queryGrpc) },
    rule: { http: at('thanos-rule', p.ruleHttp), grpc: at('thanos-rule', p.ruleGrpc) },
  };
}

/** The router's remote-write URL: what k6 and Prometheus write to. */
export const routerWriteUrl = (a: ThanosAddresses): string => `http://${a.router.remoteWrite}/api/v1/receive`;
/** Thanos Query's Prometheus-compatible HTTP API: Grafana's datasource in the scale-out mode. */
export const queryUrl = (a: ThanosAddresses): string => `http://${a.query.http}`;

/** The hashrings file: the ingesting receivers, by gRPC address. */
export const hashrings = (a: ThanosAddresses): unknown[] => hashringFile(a.receivers.map((r) => r.grpc));

/** Bind addresses: natively the address itself; in compose every container listens on 0.0.0.0. */
export type BindOf = (address: string) => string;
const asIs: BindOf = (address) => address;

export function routerArgs(a: ThanosAddresses, hashringsPath: string, bind: BindOf = asIs): string[] {
  return [
    'receive',
    `--grpc-address=${bind(a.router.grpc)}`,
    `--http-address=${bind(a.router.http)}`,
    `--remote-write.address=${bind(a.router.remoteWrite)}`,
    `--receive.capnproto-address=${bind(a.router.capnproto)}`,
    `--receive.hashrings-file=${hashringsPath}`,
    `--receive.replication-factor=${thanos.replicationFactor}`,
    // No --receive.local-endpoint: routing only, no TSDB of its own. Thanos refuses to start any
    // receiver without an identifying external label, though the router stores nothing.
    `--label=${thanos.replicaLabel}="thanos-receive-router"`,
  ];
}

export function receiverArgs(r: ReceiverAddresses, tsdbPath: string, bind: BindOf = asIs): string[] {
  return [
    'receive',
    `--tsdb.path=${tsdbPath}`,
    `--grpc-address=${bind(r.grpc)}`,
    `--http-address=${bind(r.http)}`,
    `--remote-write.address=${bind(r.remoteWrite)}`,
    `--receive.capnproto-address=${bind(r.capnproto)}`,
    `--label=${thanos.replicaLabel}="${r.name}"`,
    '--tsdb.retention=15d',
    // The router answers once 1 of the 2 copies is written (quorum 1); the other copy may reach its
    // receiver after the series' next push and would be refused as out of order (measured:
    // bench/results/ingest-bench-penalty-no-ooo-window.md). A window for late samples keeps both copies.
    `--tsdb.out-of-order.time-window=${thanos.outOfOrderWindow}`,
  ];
}

export function queryArgs(a: ThanosAddresses, bind: BindOf = asIs): string[] {
  return [
    'query',
    `--http-address=${bind(a.query.http)}`,
    `--grpc-address=${bind(a.query.grpc)}`,
    `--query.replica-label=${thanos.replicaLabel}`,
    // Chain: every sample any replica holds, once. The default (penalty) was made for two
    // Prometheus scraping at different times, and dropped accepted samples of interleaved
    // receiver replicas (bench/results/ingest-bench-penalty-no-ooo-window.md).
    '--deduplication.func=chain',
    ...a.receivers.map((r) => `--endpoint=${r.grpc}`),
  ];
}

export interface RuleOptions {
  dataDir: string;
  ruleFiles: readonly string[];
  /** Alertmanager's base URL (http://host:port). */
  alertmanagerUrl: string;
  /** The file that holds ruleRemoteWriteConfig(). */
  remoteWriteConfigPath: string;
}

/**
 * Thanos Rule, stateless: it evaluates the stack's rule files through Query (which sees k6's and
 * Prometheus' samples alike), writes recording results back through the router, and sends alerts
 * to Alertmanager. In this mode Prometheus loads no rules, so nothing is recorded twice.
 */
export function ruleArgs(a: ThanosAddresses, opts: RuleOptions, bind: BindOf = asIs): string[] {
  return [
    'rule',
    `--data-dir=${opts.dataDir}`,
    `--http-address=${bind(a.rule.http)}`,
    `--grpc-address=${bind(a.rule.grpc)}`,
    `--query=${queryUrl(a)}`,
    // Alerts' "source" links open the expression in Query (the UI that sees every series).
    `--alert.query-url=${queryUrl(a)}`,
    `--eval-interval=${scrapeTiming.interval}`,
    `--alertmanagers.url=${opts.alertmanagerUrl}`,
    `--remote-write.config-file=${opts.remoteWriteConfigPath}`,
    ...opts.ruleFiles.map((f) => `--rule-file=${f}`),
  ];
}

/** Thanos Rule's remote-write config (Prometheus' remote_write format). */
export function ruleRemoteWriteConfig(a: ThanosAddresses): Record<string, unknown> {
  return { remote_write: [{ name: 'thanos-router', url: routerWriteUrl(a), send_native_histograms: true }] };
}

/**
 * The stack's rule files as Thanos Rule loads them: the same groups, each with
 * `partial_response_strategy: warn` (a Thanos field; Prometheus refuses it, hence own files). With
 * the default, abort, every evaluation fails while Query still asks a dead receiver (until it
 * drops it, seconds later): measured in tests/scale-out/scale-out-e2e.test.ts, no recording and
 * no alert in that gap. With replication 2 one dead receiver's series are on another, so the
 * partial answer is whole; two dead receivers would make it incomplete, and Rule logs a warning.
 */
export function thanosRuleFile(file: { groups: readonly { name: string; rules: readonly unknown[] }[] }): Record<string, unknown> {
  return { groups: file.groups.map((group) => ({ name: group.name, partial_response_strategy: 'warn', rules: group.rules })) };
}
