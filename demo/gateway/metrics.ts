/**
 * The gateway's own /metrics, with the names, labels and buckets of datngth03/ecommerce-go-app's
 * services/api-gateway/internal/metrics/metrics.go (monitoring/metrics.ts gatewayMetric), so the
 * stack's rules and panels read the demo exactly as they read the real gateway. A registry per
 * gateway: tests run several shops in one process.
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { gatewayMetric, grpcClientStatus } from '../../contract/metrics.ts';
import type { CallObserver } from '../lib/client.ts';
import { poolKey } from '../lib/services.ts';

/** Go client_golang's prometheus.DefBuckets, which the real gateway's histograms use. */
export const GO_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({ name: gatewayMetric.httpRequests, help: 'Total number of HTTP requests', labelNames: ['method', 'path', 'status'], registers: [this.registry] });
  private readonly httpDuration = new Histogram({
    name: gatewayMetric.httpDuration,
    help: 'HTTP request latency in seconds',
    labelNames: ['method', 'path'],
    buckets: GO_DEFAULT_BUCKETS,
    registers: [this.registry],
  });
  private readonly grpcRequests = new Counter({ name: gatewayMetric.grpcClientRequests, help: 'Total number of gRPC client requests', labelNames: ['service', 'method', 'status'], registers: [this.registry] });
  private readonly grpcDuration = new Histogram({
    name: gatewayMetric.grpcClientDuration,
    help: 'gRPC client request latency in seconds',
    labelNames: ['service', 'method'],
    buckets: GO_DEFAULT_BUCKETS,
    registers: [this.registry],
  });
  /** Declared like the real one; the demo has no rate limiter, so it stays empty. */
  readonly rateLimitExceeded = new Counter({ name: gatewayMetric.rateLimitExceeded, help: 'Total number of rate limit exceeded events', labelNames: ['ip'], registers: [this.registry] });
  private readonly activeConnections = new Gauge({ name: 'api_gateway_active_connections', help: 'Number of active connections', registers: [this.registry] });

  /** Every finished gRPC call of the gateway: `service` is the backend, as the real gateway labels it. */
  readonly observeCall: CallObserver = (service, method, ok, seconds) => {
    this.grpcRequests.inc({ service: poolKey(service), method, status: ok ? grpcClientStatus.success : grpcClientStatus.error });
    this.grpcDuration.observe({ service: poolKey(service), method }, seconds);
  };

  /** First middleware: counts every request once it is answered, by route pattern (gin's FullPath), else by URL path. */
  readonly middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    this.activeConnections.inc();
    // The pattern is only whole while the route runs: an error leaves the router and resets baseUrl.
    let pattern: string | undefined;
    let route: unknown;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: unknown) => {
        route = value;
        if (typeof value === 'object' && value !== null && 'path' in value && typeof value.path === 'string') pattern = `${req.baseUrl}${value.path}`;
      },
    });
    res.once('finish', () => {
      this.activeConnections.dec();
      const path = pattern ?? req.originalUrl.split('?')[0] ?? req.path;
      this.httpRequests.inc({ method: req.method, path, status: String(res.statusCode) });
      this.httpDuration.observe({ method: req.method, path }, (performance.now() - started) / 1000);
    });
    next();
  };

  readonly handler: RequestHandler = async (_req, res) => {
    res.set('content-type', this.registry.contentType).send(await this.registry.metrics());
  };
}
