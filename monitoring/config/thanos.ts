/**
 * The scale-out mode's distributed remote-write store: Thanos Receive ×3 in one hashring with
 * replication 2 behind a routing receiver, Thanos Query over them (Grafana's datasource in that
 * mode), and Thanos Rule evaluating the stack's rule files through Query. One description for the
 * native processes (scripts/stack/native.ts), compose's `scale-out` profile and the tests.
 */
export const thanos = {
  /** Built from module github.com/thanos-io/thanos v<version> (scripts/engines), the compose image's tag. */
  version: '0.42.4',
  image: 'thanosio/thanos:v0.42.4',
  /** Ingesting receivers in the hashring. */
  receivers: 3,
  /** Each series on 2 receivers. Thanos' write quorum for 2 is 1 (pkg/receive/handler.go), so one may be down. */
  replicationFactor: 2,
  /** How late a sample may reach a receiver and still be stored (a replica's copy can trail the next push). */
  outOfOrderWindow: '10m',
  /** External label that tells a series' replicas apart; Query deduplicates on it. */
  replicaLabel: 'receive_replica',
  /** Tenant of writes that carry no THANOS-TENANT header (Thanos' default), a label on every series. */
  defaultTenant: 'default-tenant',
  tenantLabel: 'tenant_id',
  tenantHeader: 'THANOS-TENANT',
  hashring: 'default',
  /** Native mode's ports; compose uses the same inside its network. Receiver i (0-based) adds i. */
  ports: {
    /** The routing receiver: where k6 and Prometheus write (…/api/v1/receive). */
    routerRemoteWrite: 19291,
    routerGrpc: 10907,
    routerHttp: 10909,
    receiveRemoteWrite: 19281,
    receiveGrpc: 10911,
    receiveHttp: 10921,
    /** Every receiver binds a Cap'n Proto replication listener, by default on :19391 (one per host). */
    receiveCapnproto: 19391,
    queryHttp: 10904,
    queryGrpc: 10903,
    ruleHttp: 10902,
    ruleGrpc: 10901,
  },
} as const;

export type ThanosPorts = typeof thanos.ports;

/** Receiver i's name (0-based index): the value of its replica label. */
export const receiverName = (i: number): string => `thanos-receive-${i + 1}`;

/** Thanos Receive's hashrings file: the ingesting receivers of one ring, by gRPC address. */
export function hashringFile(grpcAddresses: string[]): unknown[] {
  if (grpcAddresses.length === 0) throw new Error('thanos hashring: no receiver');
  return [{ hashring: thanos.hashring, endpoints: grpcAddresses.map((address) => ({ address })) }];
}
