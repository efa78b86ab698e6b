/**
 * The ingest benchmark's workload: what k6's remote-write output sends, pre-encoded so that the
 * client's CPU is not what is measured. Each writer stands for one k6 instance (its own
 * `instance` tag, its own series); each push carries one sample of every series of its writer,
 * as k6 flushes all its series at once every push interval. Timestamps advance one interval per
 * push, so every push appends (the first one creates the series).
 */
import { encodeWriteRequest, type FloatSample } from '../../tools/remote-write.ts';

export interface WorkloadOptions {
  /** Series in all, split evenly over the writers. */
  series: number;
  /** Concurrent writers (k6 instances), each with one push in flight at a time. */
  writers: number;
  /** Pushes per writer after the first (which creates the series and is not timed). */
  pushes: number;
  /** Series time between two pushes of a writer (k6's push interval). */
  intervalMs?: number;
  /** The `testid` tag of every series: the verification selects by it. */
  testid?: string;
}

export interface Push {
  /** A copy typed Uint8Array<ArrayBuffer>, which fetch takes as a body. */
  body: Uint8Array<ArrayBuffer>;
  samples: number;
  /** Sum of the values in this push: the store's sum_over_time must equal the accepted pushes' sum. */
  valueSum: number;
}

export interface Writer {
  instance: string;
  /** Creates the series; not timed, but verified like the others. */
  warmup: Push;
  pushes: Push[];
}

export interface Workload {
  options: Required<WorkloadOptions>;
  writers: Writer[];
  /** Timestamps of the first and last samples (ms): the verification queries this window. */
  firstTimestampMs: number;
  lastTimestampMs: number;
  encodeMs: number;
  /** Mean snappy-compressed push size. */
  meanBodyBytes: number;
}

const METRICS = [
  { name: 'k6_http_reqs_total', counter: true },
  { name: 'k6_http_req_duration_p99', counter: false },
  { name: 'k6_http_req_duration_p95', counter: false },
  { name: 'k6_http_req_failed_rate', counter: false },
  { name: 'k6_grpc_req_duration_p99', counter: false },
  { name: 'k6_data_sent_total', counter: true },
] as const;
/** The metric names of every workload: the verification sums per name (PromQL drops names in `*_over_time`). */
export const workloadMetricNames: readonly string[] = METRICS.map((m) => m.name);
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
const STATUSES = ['200', '201', '400', '404', '500'] as const;
const SCENARIOS = ['browse', 'checkout', 'login'] as const;

/** The tags of a writer's series i: distinct per i, in the shapes k6 tags its HTTP metrics. */
function seriesLabels(testid: string, instance: string, i: number): Record<string, string> {
  const metric = METRICS[i % METRICS.length];
  let rest = Math.floor(i / METRICS.length);
  const method = METHODS[rest % METHODS.length];
  rest = Math.floor(rest / METHODS.length);
  const status = STATUSES[rest % STATUSES.length];
  rest = Math.floor(rest / STATUSES.length);
  const scenario = SCENARIOS[rest % SCENARIOS.length];
  rest = Math.floor(rest / SCENARIOS.length);
  return {
    __name__: metric?.name ?? 'k6_unknown',
    testid,
    instance,
    scenario: scenario ?? '',
    method: method ?? '',
    status: status ?? '',
    name: `http://127.0.0.1:8080/api/v1/endpoint-${rest}`,
    expected_response: status?.startsWith('2') ? 'true' : 'false',
  };
}

/** Whole values, so sums stay exact: counters grow per push, the others move within a range. */
function value(i: number, push: number): number {
  return i % METRICS.length === 0 || i % METRICS.length === 5 ? (push + 1) * (1 + (i % 7)) : 100 + ((i * 31 + push * 17) % 900);
}

export function buildWorkload(opts: WorkloadOptions): Workload {
  const options: Required<WorkloadOptions> = { intervalMs: 5_000, testid: 'ingest-bench', ...opts };
  const { series, writers, pushes, intervalMs, testid } = options;
  for (const [key, v] of Object.entries({ series, writers, pushes, intervalMs })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`ingest workload: ${key} must be a positive integer, got ${v}`);
  }
  if (series % writers !== 0) throw new Error(`ingest workload: ${series} series do not split evenly over ${writers} writers`);
  const perWriter = series / writers;
  // The data ends now: Prometheus and Thanos take it as recent, whatever the round.
  const firstTimestampMs = Math.floor(Date.now() / intervalMs) * intervalMs - pushes * intervalMs;
  const started = performance.now();
  let bytes = 0;
  const out: Writer[] = Array.from({ length: writers }, (_, w) => {
    const instance = `k6-${w + 1}`;
    const labels = Array.from({ length: perWriter }, (_, i) => seriesLabels(testid, instance, i));
    const encode = (push: number): Push => {
      const timestampMs = firstTimestampMs + push * intervalMs;
      const floats: FloatSample[] = labels.map((l, i) => ({ labels: l, value: value(i, push), timestampMs }));
      const body = new Uint8Array(encodeWriteRequest({ floats }));
      bytes += body.length;
      return { body, samples: floats.length, valueSum: floats.reduce((s, f) => s + f.value, 0) };
    };
    return { instance, warmup: encode(0), pushes: Array.from({ length: pushes }, (_, p) => encode(p + 1)) };
  });
  return {
    options,
    writers: out,
    firstTimestampMs,
    lastTimestampMs: firstTimestampMs + pushes * intervalMs,
    encodeMs: performance.now() - started,
    meanBodyBytes: bytes / (writers * (pushes + 1)),
  };
}
