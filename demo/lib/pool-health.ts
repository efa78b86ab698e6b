/**
 * The body of GET /health/pools/detailed, following fixtures/pool-health/README.md (a copy of ../shared/fixtures):
 * per-pool state counts, the service's health rule, and the summary. Pure: tests feed it counts.
 */
import { connectivityState } from '@grpc/grpc-js';
import { slo } from '../../monitoring/config/slo.ts';

export type PoolStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface PoolHealth {
  healthy_percentage: number;
  ready_connections: number;
  idle_connections: number;
  connecting: number;
  failed_connections: number;
  shutdown: number;
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
  status: 'unavailable';
  error: string;
}

const warnings: Record<Exclude<PoolStatus, 'healthy'>, string> = {
  degraded: 'some connections unavailable',
  unhealthy: 'low connection availability',
};

export function poolHealth(states: readonly connectivityState[]): PoolHealth {
  const count = (state: connectivityState): number => states.filter((s) => s === state).length;
  const ready = count(connectivityState.READY);
  const idle = count(connectivityState.IDLE);
  const total = states.length;
  const ratio = total === 0 ? 0 : (ready + idle) / total;
  const isHealthy = ready + idle > 0;
  const status: PoolStatus =
    !isHealthy || ratio < slo.pool.unhealthyBelowRatio ? 'unhealthy' : ratio < slo.pool.degradedBelowRatio ? 'degraded' : 'healthy';
  return {
    healthy_percentage: ratio * 100,
    ready_connections: ready,
    idle_connections: idle,
    connecting: count(connectivityState.CONNECTING),
    failed_connections: count(connectivityState.TRANSIENT_FAILURE),
    shutdown: count(connectivityState.SHUTDOWN),
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
