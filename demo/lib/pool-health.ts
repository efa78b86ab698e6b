/**
 * The body of GET /health/pools/detailed, following fixtures/pool-health/README.md (a copy of ../shared/fixtures):
 * per-pool state counts, the service's health rule, and the summary. Pure: tests feed it counts.
 */
import { connectivityState } from '@grpc/grpc-js';
import {
  connectionStateField,
  connectionStates,
  type ConnectionState,
  type ManagerStatus,
  type PoolStatus,
} from '../../contract/pool-health.ts';
import { slo } from '../../monitoring/config/slo.ts';

/** One count field per connectivity state, named as the contract names them (ready_connections, …). */
type StateCounts = { [S in ConnectionState as (typeof connectionStateField)[S]]: number };

/** The contract's states as grpc-js reports them. */
const grpcState: Record<ConnectionState, connectivityState> = {
  ready: connectivityState.READY,
  idle: connectivityState.IDLE,
  connecting: connectivityState.CONNECTING,
  transient_failure: connectivityState.TRANSIENT_FAILURE,
  shutdown: connectivityState.SHUTDOWN,
};

export interface PoolHealth extends StateCounts {
  healthy_percentage: number;
  total_connections: number;
  is_healthy: boolean;
  status: PoolStatus;
  warning?: string;
}

export interface PoolHealthReport {
  status: PoolStatus;
  services: Record<string, PoolHealth>;
  summary: {
    total_services: number;
    healthy_services: number;
    degraded_services: number;
    unhealthy_services: number;
    total_connections: number;
    ready_connections: number;
    failed_connections: number;
    overall_health_percentage: number;
  };
}

export interface PoolUnavailable {
  status: Extract<ManagerStatus, 'unavailable'>;
  error: string;
}

const warnings: Record<Exclude<PoolStatus, 'healthy'>, string> = {
  degraded: 'some connections unavailable',
  unhealthy: 'low connection availability',
};

export function poolHealth(states: readonly connectivityState[]): PoolHealth {
  const counts = Object.fromEntries(
    connectionStates.map((state) => [connectionStateField[state], states.filter((s) => s === grpcState[state]).length]),
  ) as StateCounts;
  const ready = counts.ready_connections;
  const idle = counts.idle_connections;
  const total = states.length;
  const ratio = total === 0 ? 0 : (ready + idle) / total;
  const isHealthy = ready + idle > 0;
  const status: PoolStatus =
    !isHealthy || ratio < slo.pool.unhealthyBelowRatio ? 'unhealthy' : ratio < slo.pool.degradedBelowRatio ? 'degraded' : 'healthy';
  return {
    healthy_percentage: ratio * 100,
    ...counts,
    total_connections: total,
    is_healthy: isHealthy,
    status,
    ...(status === 'healthy' ? {} : { warning: warnings[status] }),
  };
}

/** pools: pool key (`order-service`) -> the live state of each of its connections. */
export function poolHealthReport(pools: ReadonlyMap<string, readonly connectivityState[]>): PoolHealthReport {
  const services: Record<string, PoolHealth> = {};
  for (const [key, states] of pools) services[key] = poolHealth(states);
  const all = Object.values(services);
  const withStatus = (status: PoolStatus): number => all.filter((p) => p.status === status).length;
  const sum = (pick: (p: PoolHealth) => number): number => all.reduce((acc, p) => acc + pick(p), 0);
  const totalConnections = sum((p) => p.total_connections);
  const readyConnections = sum((p) => p.ready_connections);
  const status: PoolStatus = withStatus('unhealthy') > 0 ? 'unhealthy' : withStatus('degraded') > 0 ? 'degraded' : 'healthy';
  return {
    status,
    services,
    summary: {
      total_services: all.length,
      healthy_services: withStatus('healthy'),
      degraded_services: withStatus('degraded'),
      unhealthy_services: withStatus('unhealthy'),
      total_connections: totalConnections,
      ready_connections: readyConnections,
      failed_connections: sum((p) => p.failed_connections),
      // READY only, as the Go service counts it.
      overall_health_percentage: totalConnections === 0 ? 0 : (readyConnections / totalConnections) * 100,
    },
  };
}

/** HTTP status of a pool health body: 503 for unhealthy or unavailable, else 200. */
export function poolHealthHttpStatus(body: PoolHealthReport | PoolUnavailable): 200 | 503 {
  return body.status === 'unhealthy' || body.status === 'unavailable' ? 503 : 200;
}
