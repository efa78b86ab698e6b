/**
 * What k6's experimental-prometheus-rw output sends (xk6-output-prometheus-remote, with
 * K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true): one series per metric and tag set, cumulative
 * since the start of the run, flushed every push interval with the latest sample's timestamp.
 *   counter -> k6_<name>_total            gauge -> k6_<name>
 *   rate    -> k6_<name>_rate (ratio)     trend -> k6_<name>_<unit> native histogram
 * where <unit> is `seconds` for time trends (values converted from ms), `bytes` for data, none
 * otherwise. Tags become labels; empty tag values are left out.
 */
import { NativeHistogram, remoteWrite, type FloatSample, type HistogramSample } from '../remote-write.ts';
import type { RemoteWriteAuth } from '../remote-write-auth.ts';
import type { MetricDef } from './protocol.ts';

interface Series {
  def: MetricDef;
  labels: Record<string, string>;
  /** counter total, gauge last value, rate passes */
  value: number;
  total: number;
  histogram: NativeHistogram | null;
  latestMs: number;
  sentMs: number;
}

export function remoteName(def: MetricDef): string {
  switch (def.type) {
    case 'counter':
      return `k6_${def.name}_total`;
    case 'gauge':
      return `k6_${def.name}`;
    case 'rate':
      return `k6_${def.name}_rate`;
    case 'trend': {
      const unit = def.contains === 'time' ? '_seconds' : def.contains === 'data' ? '_bytes' : '';
      return `k6_${def.name}${unit}`;
    }
  }
}

export class RemoteOutput {
  private readonly series = new Map<string, Series>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  pushes = 0;
  errors: string[] = [];

  constructor(
    private readonly url: string,
    private readonly pushIntervalMs: number,
    /** Auth and headers the store needs (k6: K6_PROMETHEUS_RW_USERNAME, ..._HEADERS_<Name>). */
    private readonly auth: RemoteWriteAuth = {},
  ) {}

  add(def: MetricDef, tags: Record<string, string>, value: number, timeMs: number): void {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(tags)) if (v !== '' && k !== '__name__') labels[k.replace(/[^a-zA-Z0-9_]/g, '_')] = v;
    labels.__name__ = remoteName(def);
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    let series = this.series.get(key);
    if (!series) {
      series = { def, labels, value: 0, total: 0, histogram: def.type === 'trend' ? new NativeHistogram(3) : null, latestMs: 0, sentMs: 0 };
      this.series.set(key, series);
    }
    switch (def.type) {
      case 'counter':
        series.value += value;
        break;
      case 'gauge':
        series.value = value;
        break;
      case 'rate':
        series.value += value !== 0 ? 1 : 0;
        series.total += 1;
        break;
      case 'trend':
        series.histogram?.observe(def.contains === 'time' ? value / 1000 : value);
        break;
    }
    series.latestMs = Math.max(series.latestMs, Math.floor(timeMs));
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.pushIntervalMs);
    this.timer.unref();
  }

  /** Send every series that changed since its last push (one push at a time, in order). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.push());
    return this.flushing;
  }

  private async push(): Promise<void> {
    const floats: FloatSample[] = [];
    const histograms: HistogramSample[] = [];
    for (const series of this.series.values()) {
      if (series.latestMs <= series.sentMs) continue;
      series.sentMs = series.latestMs;
      if (series.histogram) {
        histograms.push({ labels: series.labels, histogram: series.histogram, timestampMs: series.latestMs });
      } else {
        const value = series.def.type === 'rate' ? series.value / series.total : series.value;
        floats.push({ labels: series.labels, value, timestampMs: series.latestMs });
      }
    }
    if (floats.length === 0 && histograms.length === 0) return;
    try {
      await remoteWrite(this.url, { floats, histograms }, this.auth);
      this.pushes += 1;
    } catch (err) {
      this.errors.push(err instanceof Error ? err.message : String(err));
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
