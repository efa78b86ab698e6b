/**
 * A backend's own /metrics on its HTTP health port, named as the real services name theirs
 * (`<name>_service_grpc_requests_total{method,status}`, `..._grpc_request_duration_seconds{method}`,
 * e.g. order-service's internal/metrics/metrics.go). A registry per backend.
 */
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import { grpcClientStatus } from '../../contract/metrics.ts';
import { GO_DEFAULT_BUCKETS } from '../gateway/metrics.ts';
import type { ServiceName } from './services.ts';

export type RpcObserver = (method: string, ok: boolean, seconds: number) => void;

export class BackendMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'status'>;
  private readonly duration: Histogram<'method'>;

  constructor(service: ServiceName) {
    const prefix = `${service}_service`;
    this.requests = new Counter({ name: `${prefix}_grpc_requests_total`, help: 'Total number of gRPC requests', labelNames: ['method', 'status'], registers: [this.registry] });
    this.duration = new Histogram({ name: `${prefix}_grpc_request_duration_seconds`, help: 'gRPC request duration in seconds', labelNames: ['method'], buckets: GO_DEFAULT_BUCKETS, registers: [this.registry] });
  }

  readonly observe: RpcObserver = (method, ok, seconds) => {
    this.requests.inc({ method, status: ok ? grpcClientStatus.success : grpcClientStatus.error });
    this.duration.observe({ method }, seconds);
  };

  readonly handler: RequestHandler = async (_req, res) => {
    res.set('content-type', this.registry.contentType).send(await this.registry.metrics());
  };
}
