/**
 * A Prometheus remote-write 1.0 client: protobuf WriteRequest, snappy block compression, POST.
 *
 * Messages follow prompb/types.proto and prompb/remote.proto of Prometheus (field numbers are
 * the wire contract). Native histograms are sent as integer histograms (delta-encoded buckets),
 * as client_golang and k6's remote-write output do.
 */
import protobuf from 'protobufjs';
import SnappyJS from 'snappyjs';
import { authHeaders, type RemoteWriteAuth } from './remote-write-auth.ts';

export type Labels = Record<string, string>;

const PROTO = `
syntax = "proto3";
package prometheus;

message WriteRequest {
  repeated TimeSeries timeseries = 1;
}
message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated Histogram histograms = 4;
}
message Label {
  string name = 1;
  string value = 2;
}
message Sample {
  double value = 1;
  int64 timestamp = 2;
}
message BucketSpan {
  sint32 offset = 1;
  uint32 length = 2;
}
message Histogram {
  oneof count {
    uint64 count_int = 1;
    double count_float = 2;
  }
  double sum = 3;
  sint32 schema = 4;
  double zero_threshold = 5;
  oneof zero_count {
    uint64 zero_count_int = 6;
    double zero_count_float = 7;
  }
  repeated BucketSpan negative_spans = 8;
  repeated sint64 negative_deltas = 9;
  repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11;
  repeated sint64 positive_deltas = 12;
  repeated double positive_counts = 13;
  int32 reset_hint = 14;
  int64 timestamp = 15;
}
`;

const root = protobuf.parse(PROTO, { keepCase: false }).root;
const WriteRequestType = root.lookupType('prometheus.WriteRequest');

/** client_golang's default zero threshold (2^-128): only (near) zero falls in the zero bucket. */
const DEFAULT_ZERO_THRESHOLD = 2.938735877055719e-39;

interface BucketSpanMsg {
  offset: number;
  length: number;
}

/** The prompb.Histogram fields this client fills (protobufjs camelCase names). */
export interface HistogramMessage {
  countInt: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCountInt: number;
  negativeSpans: BucketSpanMsg[];
  negativeDeltas: number[];
  positiveSpans: BucketSpanMsg[];
  positiveDeltas: number[];
  timestamp: number;
}

/**
 * A cumulative native (sparse, exponential) histogram. Bucket `i` of schema `s` holds values in
 * (2^((i-1)/2^s), 2^(i/2^s)]; schema 3 is what a client_golang bucket factor of 1.1 (k6's
 * setting) resolves to: each bucket is about 9 % wide.
 */
export class NativeHistogram {
  readonly schema: number;
  readonly zeroThreshold = DEFAULT_ZERO_THRESHOLD;
  count = 0;
  sum = 0;
  zeroCount = 0;
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();

  constructor(schema = 3) {
    if (!Number.isInteger(schema) || schema < -4 || schema > 8) {
      throw new Error(`NativeHistogram: schema must be an integer in [-4, 8], got ${schema}`);
    }
    this.schema = schema;
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) {
      throw new Error(`NativeHistogram.observe: value must be a finite number, got ${value}`);
    }
    this.count += 1;
    this.sum += value;
    const magnitude = Math.abs(value);
    if (magnitude <= this.zeroThreshold) {
      this.zeroCount += 1;
      return;
    }
    const buckets = value > 0 ? this.positive : this.negative;
    const key = bucketKey(magnitude, this.schema);
    buckets.set(key, (buckets.get(key) ?? 0) + 1);
  }

  /** The upper bound of bucket `key` for this histogram's schema. */
  upperBound(key: number): number {
    return 2 ** (key / 2 ** this.schema);
  }

  /** Snapshot as a prompb.Histogram message (integer counts, delta-encoded buckets). */
  toMessage(timestampMs: number): HistogramMessage {
    const positive = encodeBuckets(this.positive);
    const negative = encodeBuckets(this.negative);
    return {
      countInt: this.count,
      sum: this.sum,
      schema: this.schema,
      zeroThreshold: this.zeroThreshold,
      zeroCountInt: this.zeroCount,
      negativeSpans: negative.spans,
      negativeDeltas: negative.deltas,
      positiveSpans: positive.spans,
      positiveDeltas: positive.deltas,
      timestamp: timestampMs,
    };
  }
}

/** Index of the bucket holding `magnitude` (> 0): the smallest i with 2^(i/2^s) >= magnitude. */
function bucketKey(magnitude: number, schema: number): number {
  const perOctave = 2 ** schema;
  let key = Math.ceil(Math.log2(magnitude) * perOctave);
  // log2 rounding can put a value sitting on a boundary one bucket off: correct against the bounds.
  while (2 ** (key / perOctave) < magnitude) key += 1;
  while (2 ** ((key - 1) / perOctave) >= magnitude) key -= 1;
  return key;
}

/** Sparse buckets to spans (runs of consecutive indexes) and count deltas, as prompb expects. */
function encodeBuckets(buckets: Map<number, number>): { spans: BucketSpanMsg[]; deltas: number[] } {
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  const spans: BucketSpanMsg[] = [];
  const deltas: number[] = [];
  let previousKey: number | undefined;
  let previousCount = 0;
  for (const key of keys) {
    const count = buckets.get(key) ?? 0;
    const last = spans[spans.length - 1];
    if (previousKey === undefined || last === undefined) {
      spans.push({ offset: key, length: 1 });
    } else if (key === previousKey + 1) {
      last.length += 1;
    } else {
      spans.push({ offset: key - previousKey - 1, length: 1 });
    }
    deltas.push(count - previousCount);
    previousCount = count;
    previousKey = key;
  }
  return { spans, deltas };
}

export interface FloatSample {
  labels: Labels;
  value: number;
  timestampMs: number;
}

export interface HistogramSample {
  labels: Labels;
  histogram: NativeHistogram;
  timestampMs: number;
}

export interface RemoteWriteData {
  floats?: FloatSample[];
  histograms?: HistogramSample[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

interface SeriesMessage {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: number }[];
  histograms: HistogramMessage[];
}

/** Validate and sort a label set; empty values are dropped (Prometheus treats them as absent). */
function sortedLabels(labels: Labels, where: string): { name: string; value: string }[] {
  const name = labels.__name__;
  if (name === undefined || name === '') {
    throw new Error(`remote write: ${where} has no __name__ label (labels: ${JSON.stringify(labels)})`);
  }
  if (!METRIC_NAME.test(name)) throw new Error(`remote write: ${where} has an invalid metric name ${JSON.stringify(name)}`);
  return Object.entries(labels)
    .filter(([, value]) => value !== '')
    .map(([labelName, value]) => {
      if (!LABEL_NAME.test(labelName)) {
        throw new Error(`remote write: ${where} (${name}) has an invalid label name ${JSON.stringify(labelName)}`);
      }
      if (typeof value !== 'string') {
        throw new Error(`remote write: ${where} (${name}) label ${labelName} is not a string: ${JSON.stringify(value)}`);
      }
      return { name: labelName, value };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function checkTimestamp(timestampMs: number, where: string): void {
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new Error(`remote write: ${where} needs a non-negative integer timestampMs, got ${timestampMs}`);
  }
}

/** Group samples per series (one TimeSeries per label set), each series' samples in time order. */
export function buildWriteRequest(data: RemoteWriteData): { timeseries: SeriesMessage[] } {
  const series = new Map<string, SeriesMessage>();
  const seriesFor = (labels: Labels, where: string): SeriesMessage => {
    const sorted = sortedLabels(labels, where);
    const key = JSON.stringify(sorted);
    let entry = series.get(key);
    if (!entry) {
      entry = { labels: sorted, samples: [], histograms: [] };
      series.set(key, entry);
    }
    return entry;
  };
  (data.floats ?? []).forEach((sample, i) => {
    const where = `floats[${i}]`;
    checkTimestamp(sample.timestampMs, where);
    if (typeof sample.value !== 'number') throw new Error(`remote write: ${where} value is not a number`);
    seriesFor(sample.labels, where).samples.push({ value: sample.value, timestamp: sample.timestampMs });
  });
  (data.histograms ?? []).forEach((sample, i) => {
    const where = `histograms[${i}]`;
    checkTimestamp(sample.timestampMs, where);
    if (!(sample.histogram instanceof NativeHistogram)) {
      throw new Error(`remote write: ${where} histogram is not a NativeHistogram`);
    }
    seriesFor(sample.labels, where).histograms.push(sample.histogram.toMessage(sample.timestampMs));
  });
  const timeseries = [...series.values()];
  for (const entry of timeseries) {
    entry.samples.sort((a, b) => a.timestamp - b.timestamp);
    entry.histograms.sort((a, b) => a.timestamp - b.timestamp);
  }
  return { timeseries };
}

/** Protobuf-encode and snappy-compress a write request (exported for tests and benchmarks). */
export function encodeWriteRequest(data: RemoteWriteData): Uint8Array {
  const message = WriteRequestType.fromObject(buildWriteRequest(data));
  return SnappyJS.compress(WriteRequestType.encode(message).finish());
}

/**
 * POST samples to a Prometheus remote-write endpoint (e.g. http://127.0.0.1:9090/api/v1/write),
 * with the store's auth and extra headers (options; tools/remote-write-auth.ts).
 */
export async function remoteWrite(url: string, data: RemoteWriteData, options: RemoteWriteAuth = {}): Promise<void> {
  const body = encodeWriteRequest(data);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        ...authHeaders(options),
        'Content-Encoding': 'snappy',
        'Content-Type': 'application/x-protobuf',
        'X-Prometheus-Remote-Write-Version': '0.1.0',
        'User-Agent': 'grpc-pool-observability-remote-write/0.1',
      },
      // A copy typed Uint8Array<ArrayBuffer>, which fetch accepts as a body.
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`remote write to ${url} failed: ${reason}`);
  }
  const text = await res.text();
  if (!res.ok) {
    const series = (data.floats?.length ?? 0) + (data.histograms?.length ?? 0);
    throw new Error(`remote write to ${url} rejected (${series} samples): HTTP ${res.status}: ${text.trim()}`);
  }
}
