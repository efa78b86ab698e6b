/** k6's metric sinks and the values they report in the end-of-test summary. */
import type { MetricType } from './protocol.ts';

export interface Sink {
  add(value: number): void;
  /** Number of samples seen. */
  readonly samples: number;
  /** Value of a stat such as avg, p(95), rate, count, value; undefined when unknown for the type. */
  stat(name: string, durationMs: number): number | undefined;
}

export class TrendSink implements Sink {
  private values: number[] = [];
  private sorted = true;
  private total = 0;
  samples = 0;
  min = Infinity;
  max = -Infinity;

  add(value: number): void {
    if (this.values.length > 0 && value < (this.values[this.values.length - 1] ?? value)) this.sorted = false;
    this.values.push(value);
    this.total += value;
    this.samples += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** k6's percentile: linear interpolation between the closest ranks of the sorted values. */
  percentile(pct: number): number {
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    const n = this.values.length;
    if (n === 0) return 0;
    if (n === 1) return this.values[0] ?? 0;
    const i = pct * (n - 1);
    const lower = Math.floor(i);
    const upper = Math.ceil(i);
    const low = this.values[lower] ?? 0;
    const high = this.values[upper] ?? 0;
    return low + (high - low) * (i - lower);
  }

  stat(name: string): number | undefined {
    const empty = this.samples === 0;
    switch (name) {
      case 'avg':
        return empty ? 0 : this.total / this.samples;
      case 'min':
        return empty ? 0 : this.min;
      case 'max':
        return empty ? 0 : this.max;
      case 'med':
        return this.percentile(0.5);
      case 'count':
        return this.samples;
      default: {
        const match = /^p\((\d+(?:\.\d+)?)\)$/.exec(name);
        return match ? this.percentile(Number(match[1]) / 100) : undefined;
      }
    }
  }
}

export class CounterSink implements Sink {
  total = 0;
  samples = 0;
  add(value: number): void {
    this.total += value;
    this.samples += 1;
  }
  stat(name: string, durationMs: number): number | undefined {
    if (name === 'count') return this.total;
    if (name === 'rate') return durationMs > 0 ? this.total / (durationMs / 1000) : 0;
    return undefined;
  }
}

export class GaugeSink implements Sink {
  last = 0;
  min = Infinity;
  max = -Infinity;
  samples = 0;
  add(value: number): void {
    this.last = value;
    this.samples += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
  stat(name: string): number | undefined {
    if (name === 'value') return this.last;
    if (name === 'min') return this.samples ? this.min : 0;
    if (name === 'max') return this.samples ? this.max : 0;
    return undefined;
  }
}

export class RateSink implements Sink {
  passes = 0;
  samples = 0;
  add(value: number): void {
    if (value !== 0) this.passes += 1;
    this.samples += 1;
  }
  get rate(): number {
    return this.samples === 0 ? 0 : this.passes / this.samples;
  }
  stat(name: string): number | undefined {
    if (name === 'rate') return this.rate;
    if (name === 'passes') return this.passes;
    if (name === 'fails') return this.samples - this.passes;
    return undefined;
  }
}

export function newSink(type: MetricType): Sink {
  switch (type) {
    case 'trend':
      return new TrendSink();
    case 'counter':
      return new CounterSink();
    case 'gauge':
      return new GaugeSink();
    case 'rate':
      return new RateSink();
  }
}

/** The values k6 puts in the summary for a metric of this type. */
export function summaryValues(type: MetricType, sink: Sink, durationMs: number, trendStats: string[]): Record<string, number> {
  const names =
    type === 'trend' ? trendStats : type === 'counter' ? ['count', 'rate'] : type === 'gauge' ? ['value', 'min', 'max'] : ['rate', 'passes', 'fails'];
  const values: Record<string, number> = {};
  for (const name of names) {
    const value = sink.stat(name, durationMs);
    if (value === undefined) throw new Error(`summaryTrendStats: unknown stat ${JSON.stringify(name)}`);
    values[name] = value;
  }
  return values;
}
