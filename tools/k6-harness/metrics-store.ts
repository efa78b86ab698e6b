/**
 * The end-of-test side of the metrics: one sink per metric (and per thresholded submetric), the
 * summary data handed to handleSummary, and threshold results.
 */
import type { MetricDef, MetricType, Sample } from './protocol.ts';
import { newSink, summaryValues, type Sink } from './sinks.ts';
import { createHash } from 'node:crypto';
import { compare, matchesSelector, parseThresholds, type ThresholdSet } from './thresholds.ts';

export interface ThresholdResult {
  key: string;
  expression: string;
  ok: boolean;
  measured: number;
}

export interface SummaryMetric {
  type: MetricType;
  contains: MetricDef['contains'];
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

/** k6's summary group: its checks (passes/fails per name) and subgroups. */
export interface SummaryGroup {
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: { name: string; path: string; id: string; passes: number; fails: number }[];
}

export interface SummaryData {
  root_group: SummaryGroup;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
}

export class MetricsStore {
  readonly defs = new Map<string, MetricDef>();
  private readonly sinks = new Map<string, Sink>();
  private thresholdSets: ThresholdSet[] = [];
  private readonly subSinks = new Map<string, Sink>();
  /** group path -> check name -> [passes, fails], for root_group. */
  private readonly checkCounts = new Map<string, Map<string, [number, number]>>();

  define(def: MetricDef): void {
    const known = this.defs.get(def.name);
    if (known && (known.type !== def.type || known.contains !== def.contains)) {
      throw new Error(`metric ${def.name} is declared both as ${known.type}/${known.contains} and ${def.type}/${def.contains}`);
    }
    if (!known) this.defs.set(def.name, def);
  }

  setThresholds(raw: unknown): void {
    const types = new Map([...this.defs.values()].map((d) => [d.name, d.type] as const));
    this.thresholdSets = parseThresholds(raw, types);
  }

  /** Record a sample (tags already include the test-wide tags). */
  add(sample: Sample): MetricDef {
    const def = this.defs.get(sample.metric);
    if (!def) throw new Error(`sample for undeclared metric ${sample.metric}`);
    let sink = this.sinks.get(def.name);
    if (!sink) {
      sink = newSink(def.type);
      this.sinks.set(def.name, sink);
    }
    sink.add(sample.value);
    if (def.name === 'checks') this.countCheck(sample.tags.group ?? '', sample.tags.check ?? '', sample.value !== 0);
    for (const set of this.thresholdSets) {
      if (set.metric !== def.name || Object.keys(set.selector).length === 0) continue;
      if (!matchesSelector(sample.tags, set.selector)) continue;
      let sub = this.subSinks.get(set.key);
      if (!sub) {
        sub = newSink(def.type);
        this.subSinks.set(set.key, sub);
      }
      sub.add(sample.value);
    }
    return def;
  }

  private countCheck(group: string, name: string, ok: boolean): void {
    let checks = this.checkCounts.get(group);
    if (!checks) {
      checks = new Map();
      this.checkCounts.set(group, checks);
    }
    const counts = checks.get(name) ?? [0, 0];
    counts[ok ? 0 : 1] += 1;
    checks.set(name, counts);
  }

  /** The group tree as k6 hands it to handleSummary (groups that hold checks, and their parents). */
  private rootGroup(): SummaryGroup {
    const root: SummaryGroup = { name: '', path: '', id: groupId(''), groups: [], checks: [] };
    const byPath = new Map<string, SummaryGroup>([['', root]]);
    const groupAt = (path: string): SummaryGroup => {
      const known = byPath.get(path);
      if (known) return known;
      const cut = path.lastIndexOf('::');
      const parent = groupAt(path.slice(0, cut));
      const group: SummaryGroup = { name: path.slice(cut + 2), path, id: groupId(path), groups: [], checks: [] };
      parent.groups.push(group);
      byPath.set(path, group);
      return group;
    };
    for (const [path, checks] of this.checkCounts) {
      const group = groupAt(path);
      for (const [name, [passes, fails]] of checks) group.checks.push({ name, path: `${path}::${name}`, id: groupId(`${path}::${name}`), passes, fails });
    }
    return root;
  }

  private sinkFor(key: string, metric: string, type: MetricType): Sink {
    return (key === metric ? this.sinks.get(metric) : this.subSinks.get(key)) ?? newSink(type);
  }

  /** Evaluate every threshold on the whole run (k6 also evaluates during the run; the end result is this). */
  evaluate(durationMs: number): ThresholdResult[] {
    const results: ThresholdResult[] = [];
    for (const set of this.thresholdSets) {
      const def = this.defs.get(set.metric);
      if (!def) continue;
      const sink = this.sinkFor(set.key, set.metric, def.type);
      // k6 computes no `rate` for a Rate without samples and counts a threshold without a value as
      // passed (metrics/thresholds.go); the other types report zeros and are compared.
      const unmeasured = def.type === 'rate' && sink.samples === 0;
      for (const t of set.thresholds) {
        const measured = sink.stat(t.stat, durationMs) ?? 0;
        results.push({ key: set.key, expression: t.source, ok: unmeasured || compare(measured, t.op, t.value), measured });
      }
    }
    return results;
  }

  summary(durationMs: number, trendStats: string[], results: ThresholdResult[]): SummaryData {
    const metrics: Record<string, SummaryMetric> = {};
    const keys = new Set<string>([...this.sinks.keys(), ...this.thresholdSets.map((s) => s.key)]);
    for (const key of keys) {
      const set = this.thresholdSets.find((s) => s.key === key);
      const name = set?.metric ?? key;
      const def = this.defs.get(name);
      if (!def) continue;
      const sink = this.sinkFor(key, name, def.type);
      const entry: SummaryMetric = { type: def.type, contains: def.contains, values: summaryValues(def.type, sink, durationMs, trendStats) };
      const own = results.filter((r) => r.key === key);
      if (own.length > 0) entry.thresholds = Object.fromEntries(own.map((r) => [r.expression, { ok: r.ok }]));
      metrics[key] = entry;
    }
    return {
      root_group: this.rootGroup(),
      options: { summaryTrendStats: trendStats, summaryTimeUnit: '', noColor: true },
      state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: durationMs },
      metrics,
    };
  }
}

/** k6's group and check id: the MD5 of the path (lib/models.go). */
function groupId(path: string): string {
  return createHash('md5').update(path).digest('hex');
}
