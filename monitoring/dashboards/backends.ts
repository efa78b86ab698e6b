/**
 * Per gRPC backend, side by side: what the gateway's own metrics say about its calls (rate, error
 * ratio, p95; the real gateway's api_gateway_grpc_client_* series), the backend's gRPC health as
 * blackbox_exporter sees it, and the pools' usable ratio as the pool alerts read it. The pools
 * dashboard and the overview both show these panels.
 */
import { backendLabel, jobs } from '../config/stack.ts';
import { blackboxMetric, gatewayMetric } from '../../contract/metrics.ts';
import { clientErrorRatio, clientLatencyQuantile, perBackend, poolUsableRatio, POOL_WINDOW, series } from '../lib/promql.ts';
import { percent, milliseconds } from '../lib/format.ts';
import type { SloConfig } from '../config/slo-config.ts';
import {
  dashedThresholds,
  latencySteps,
  maxSteps,
  poolRatioSteps,
  prometheusQuery,
  stateMappings,
  stateTimeline,
  thresholds,
  timeseries,
} from './common.ts';

const backendLegend = `{{service}} → {{${backendLabel}}}`;

/**
 * @param backends regex of the backends shown (a dashboard variable such as `$pool`, or `.+`)
 * @param holders regex of the services whose pools are shown (`$service`, or `.+`)
 */
export function backendPanels(slo: SloConfig, backends: string, holders = '.+') {
  const calls = `job="${jobs.serviceMetrics}",${backendLabel}=~"${backends}"`;
  const { errorRatioMax, p95Ms } = slo.grpcClient;
  return [
    timeseries({
      title: 'Gateway gRPC calls per backend',
      description: `Calls per second the gateway makes to each backend (${gatewayMetric.grpcClientRequests}, all methods and statuses).`,
      unit: 'reqps',
    })
      .withTarget(prometheusQuery(`sum by (${perBackend}) (rate(${series(gatewayMetric.grpcClientRequests, calls)}[$__rate_interval]))`, backendLegend))
      .min(0)
      .span(8),
    timeseries({
      title: 'Gateway gRPC error ratio per backend',
      description: `Share of the gateway's calls to each backend that failed. Dashed line: GrpcClientErrorRatioHigh above ${percent(errorRatioMax)} (monitoring/slo.ts). No line while nothing failed yet.`,
      unit: 'percentunit',
    })
      .withTarget(prometheusQuery(clientErrorRatio('$__rate_interval', calls), backendLegend))
      .thresholds(thresholds(maxSteps(errorRatioMax)))
      .thresholdsStyle(dashedThresholds())
      .min(0)
      .max(1)
      .span(8),
    timeseries({
      title: 'Gateway gRPC p95 per backend',
      description: `p95 of the gateway's calls to each backend, failed calls included (the histogram has no status). Dashed line: GrpcClientLatencyHigh above ${milliseconds(p95Ms)}.`,
      unit: 's',
    })
      .withTarget(prometheusQuery(clientLatencyQuantile(0.95, '$__rate_interval', calls), backendLegend))
      .thresholds(thresholds(latencySteps(p95Ms)))
      .thresholdsStyle(dashedThresholds())
      .min(0)
      .span(8),
    stateTimeline({
      title: 'Backend gRPC health',
      description: 'grpc.health.v1 Check of each backend by blackbox_exporter: ok when it answers SERVING. Sees a dead backend with no traffic (GrpcBackendDown).',
      unit: 'none',
    })
      .withTarget(prometheusQuery(series(blackboxMetric.probeSuccess, `job="${jobs.grpcHealth}",service=~"${backends}"`), '{{service}}'))
      .mappings(stateMappings([{ text: 'failed', color: 'red' }, { text: 'ok', color: 'green' }]))
      .span(12),
    timeseries({
      title: 'Usable ratio (as the pool alerts read it)',
      description: `Healthy ratio averaged over ${POOL_WINDOW} (through the pool's 30 s repair loop), 0 while the backend fails its gRPC health check (IDLE connections to a dead backend are not usable). GrpcPoolUnhealthy and GrpcPoolDegraded fire on this.`,
      unit: 'percentunit',
    })
      .withTarget(prometheusQuery(poolUsableRatio(`job="${jobs.poolProbe}",service=~"${holders}",pool=~"${backends}"`), '{{service}} → {{pool}}'))
      .thresholds(thresholds(poolRatioSteps(slo.pool)))
      .thresholdsStyle(dashedThresholds())
      .min(0)
      .max(1)
      .span(12),
  ];
}
