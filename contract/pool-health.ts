/**
 * The pool health contract: what a service answers on GET /health/pools/detailed
 * (fixtures/pool-health/README.md, the repository's copy of ../shared/fixtures) and the label values the exporter turns it into.
 * The demo shop produces it, the exporter parses it, rules and dashboards select on it.
 * Plain data, no imports: k6 scripts and every folder of the repository may import it.
 */

/** gRPC connectivity states, as label values of grpc_pool_connections{state}. */
export const connectionStates = ['ready', 'idle', 'connecting', 'transient_failure', 'shutdown'] as const;
export type ConnectionState = (typeof connectionStates)[number];

/** Which field of a pool's JSON object counts the connections in each state. */
export const connectionStateField = {
  ready: 'ready_connections',
  idle: 'idle_connections',
  connecting: 'connecting',
  transient_failure: 'failed_connections',
  shutdown: 'shutdown',
} as const satisfies Record<ConnectionState, string>;

/** A pool's `status`, and the label values of grpc_pool_status{status}, best first. */
export const poolStatuses = ['healthy', 'degraded', 'unhealthy'] as const;
export type PoolStatus = (typeof poolStatuses)[number];

/**
 * The document's top-level `status` (the pool manager's), label values of
 * grpc_pool_manager_status{status}, best first: the pool statuses plus `unavailable` (no pool manager).
 */
export const managerStatuses = [...poolStatuses, 'unavailable'] as const;
export type ManagerStatus = (typeof managerStatuses)[number];
