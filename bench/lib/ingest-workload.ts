/**
 * The ingest benchmark's workload: what k6's remote-write output sends with
 * K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true (the stack's setting; tools/k6-harness/remote-output.ts
 * mirrors it), pre-encoded so that the client's CPU is not what is measured. Each writer stands
 * for one k6 instance (its own `instance` tag, its own series); each push carries one sample of
 * every series of its writer, as k6 flushes all its series at once every push interval.
 * Timestamps advance one interval per push, so every push appends (the first creates the series).
 *
 * Per request tag set (scenario, name, method, status, ...) k6 writes its HTTP metrics: the
 * counter `k6_http_reqs_total` and the rate `k6_http_req_failed_rate` as floats, and the seven
 * `k6_http_req_*` time trends as `_seconds` native histograms (schema 3, k6's bucket factor 1.1),
 * plus the step's custom latency trend of contract/metrics.ts. Histograms are cumulative: every
 * push adds observations, so each series' counts grow, as k6's do.
 */
import { k6Custom, k6Remote } from '../../contract/metrics.ts';
import { steps } from '../../k6/lib/contract.ts';
import { encodeWriteRequest, NativeHistogram, type FloatSample, type HistogramSample, type Labels } from '../../tools/remote-write.ts';

export interface WorkloadOptions {
  /** Series in all (floats and histograms), split evenly over the writers. */
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

/** What one push carries, and what a store that accepted it must hold more of. */
export interface PushContent {
  /** Samples of either kind: one per series. */
  samples: number;
  floatSamples: number;
  histogramSamples: number;
  /** Sum of the float samples' values: the store's sum_over_time must equal the accepted pushes' sum. */
  valueSum: number;
  /** Sum of the histogram samples' observation counts, and of their sums (exact: values are multiples of 2^-10 s). */
  histogramCount: number;
  histogramSum: number;
}

export interface Push extends PushContent {
  /** A copy typed Uint8Array<ArrayBuffer>, which fetch takes as a body. */
  body: Uint8Array<ArrayBuffer>;
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
  /** Series per writer of each kind. */
  floatSeriesPerWriter: number;
  histogramSeriesPerWriter: number;
  /** Timestamps of the first and last samples (ms): the verification queries this window. */
  firstTimestampMs: number;
  lastTimestampMs: number;
  encodeMs: number;
  /** Mean snappy-compressed push size. */
  meanBodyBytes: number;
}

type Kind = 'reqs' | 'failed' | 'duration' | 'blocked' | 'connecting' | 'tls' | 'sending' | 'waiting' | 'receiving' | 'custom';
/** The series k6 writes per request tag set, in the order the workload cycles through them. */
const PER_TAG_SET: readonly { kind: Kind; name: string; histogram: boolean }[] = [
  { kind: 'reqs', name: k6Remote.counter('http_reqs'), histogram: false },
  { kind: 'failed', name: k6Remote.rate('http_req_failed'), histogram: false },
  { kind: 'duration', name: k6Remote.trendSeconds('http_req_duration'), histogram: true },
  { kind: 'blocked', name: k6Remote.trendSeconds('http_req_blocked'), histogram: true },
  { kind: 'connecting', name: k6Remote.trendSeconds('http_req_connecting'), histogram: true },
  { kind: 'tls', name: k6Remote.trendSeconds('http_req_tls_handshaking'), histogram: true },
  { kind: 'sending', name: k6Remote.trendSeconds('http_req_sending'), histogram: true },
  { kind: 'waiting', name: k6Remote.trendSeconds('http_req_waiting'), histogram: true },
  { kind: 'receiving', name: k6Remote.trendSeconds('http_req_receiving'), histogram: true },
  { kind: 'custom', name: '', histogram: true },
];
/** The custom latency trend a step's successful calls go to (k6/lib/metrics.ts): login, orders and payments their own, the rest the gateway's. */
const CUSTOM_TRENDS = [k6Custom.apiGatewayLatency, k6Custom.loginDuration, k6Custom.orderServiceLatency, k6Custom.paymentServiceLatency].map(k6Remote.trendSeconds);
const customTrendOf = (stepName: string): string =>
  CUSTOM_TRENDS[stepName === steps.login.name ? 1 : stepName === steps.createOrder.name ? 2 : stepName === steps.pay.name ? 3 : 0] ?? '';
const STEPS: readonly { name: string; method: string }[] = Object.values(steps);
const STATUSES = ['200', '201', '400', '404', '500'] as const;
const SCENARIOS = ['browse', 'checkout', 'login'] as const;

/** Metric names of every workload, by kind: the verification sums per name (PromQL drops names in `*_over_time`). */
export const workloadMetricNames = {
  floats: PER_TAG_SET.filter((m) => !m.histogram).map((m) => m.name),
  histograms: [...PER_TAG_SET.filter((m) => m.histogram && m.kind !== 'custom').map((m) => m.name), ...CUSTOM_TRENDS],
} as const;

interface SeriesSpec {
  labels: Labels;
  kind: Kind;
}

/** Series i of a writer: metric i mod 10 of request tag set i div 10, tagged as k6 tags HTTP metrics. */
function seriesSpec(testid: string, instance: string, i: number): SeriesSpec {
  const metric = PER_TAG_SET[i % PER_TAG_SET.length] ?? PER_TAG_SET[0];
  let rest = Math.floor(i / PER_TAG_SET.length);
  const step = STEPS[rest % STEPS.length];
  rest = Math.floor(rest / STEPS.length);
  const status = STATUSES[rest % STATUSES.length] ?? '200';
  rest = Math.floor(rest / STATUSES.length);
  const scenario = SCENARIOS[rest % SCENARIOS.length] ?? '';
  rest = Math.floor(rest / SCENARIOS.length);
  // Beyond the contract's steps × statuses × scenarios, more routes of a larger API.
  const name = rest === 0 ? (step?.name ?? '') : `${step?.name ?? ''}/v${rest}`;
  const metricName = metric?.kind === 'custom' ? customTrendOf(step?.name ?? '') : (metric?.name ?? '');
  return {
    kind: metric?.kind ?? 'reqs',
    labels: {
      __name__: metricName,
      testid,
      instance,
      scenario,
      group: '',
      name,
      url: name,
      method: step?.method ?? 'GET',
      status,
      proto: 'HTTP/1.1',
      expected_response: status.startsWith('2') ? 'true' : 'false',
    },
  };
}

/** A small deterministic generator: the same workload every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** One observation in seconds, a multiple of 2^-10 s so that sums stay exact; shaped like the timing it stands for. */
function observation(kind: Kind, rnd: () => number): number {
  const lognormal = (medianMs: number, spread: number): number => Math.max(1, Math.round(medianMs * Math.exp(spread * (rnd() + rnd() + rnd() - 1.5)))) / 1024;
  switch (kind) {
    case 'blocked':
    case 'connecting':
      // Kept-alive connections: almost always 0 (the zero bucket), now and then a new one.
      return rnd() < 0.97 ? 0 : lognormal(2, 0.5);
    case 'tls':
      return 0;
    case 'sending':
    case 'receiving':
      return Math.round(rnd() * 2) / 1024;
    default:
      return lognormal(25, 1.2);
  }
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
  const specs = (instance: string): SeriesSpec[] => Array.from({ length: perWriter }, (_, i) => seriesSpec(testid, instance, i));
  const out: Writer[] = Array.from({ length: writers }, (_, w) => {
    const instance = `k6-${w + 1}`;
    const rnd = lcg(w + 1);
    const state = specs(instance).map((spec) => ({ spec, requests: 0, failed: 0, histogram: PER_TAG_SET.find((m) => m.kind === spec.kind)?.histogram ? new NativeHistogram(3) : null }));
    const encode = (push: number): Push => {
      const timestampMs = firstTimestampMs + push * intervalMs;
      const floats: FloatSample[] = [];
      const histograms: HistogramSample[] = [];
      const content: PushContent = { samples: 0, floatSamples: 0, histogramSamples: 0, valueSum: 0, histogramCount: 0, histogramSum: 0 };
      for (const s of state) {
        // Requests of this tag set in this interval: the counter and its trends see the same count.
        const requests = 1 + Math.floor(rnd() * 4);
        s.requests += requests;
        if (s.spec.labels.expected_response === 'false') s.failed += requests;
        if (s.histogram) {
          for (let r = 0; r < requests; r++) s.histogram.observe(observation(s.spec.kind, rnd));
          // toMessage runs at encoding time, so the snapshot is this push's cumulative state.
          histograms.push({ labels: s.spec.labels, histogram: s.histogram, timestampMs });
          content.histogramCount += s.histogram.count;
          content.histogramSum += s.histogram.sum;
        } else {
          const value = s.spec.kind === 'reqs' ? s.requests : s.failed / s.requests;
          floats.push({ labels: s.spec.labels, value, timestampMs });
          content.valueSum += value;
        }
      }
      content.floatSamples = floats.length;
      content.histogramSamples = histograms.length;
      content.samples = floats.length + histograms.length;
      const body = new Uint8Array(encodeWriteRequest({ floats, histograms }));
      bytes += body.length;
      return { body, ...content };
    };
    // Pushes in time order: each encodes the histograms' state after its interval.
    const warmup = encode(0);
    return { instance, warmup, pushes: Array.from({ length: pushes }, (_, p) => encode(p + 1)) };
  });
  const first = out[0]?.warmup;
  return {
    options,
    writers: out,
    floatSeriesPerWriter: first?.floatSamples ?? 0,
    histogramSeriesPerWriter: first?.histogramSamples ?? 0,
    firstTimestampMs,
    lastTimestampMs: firstTimestampMs + pushes * intervalMs,
    encodeMs: performance.now() - started,
    meanBodyBytes: bytes / (writers * (pushes + 1)),
  };
}
