/**
 * k6 thresholds: `metric` or `metric{tag:value,...}` keys with expressions such as `p(95)<250`,
 * `avg<200`, `rate<0.01`, `count>=1000`, `value>0` (strings or {threshold, abortOnFail}).
 */
import type { MetricType } from './protocol.ts';

export interface ParsedThreshold {
  source: string;
  stat: string;
  op: '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';
  value: number;
}

export interface ThresholdSet {
  /** The key as written in options.thresholds. */
  key: string;
  metric: string;
  /** Submetric tag filter; empty for the whole metric. */
  selector: Record<string, string>;
  thresholds: ParsedThreshold[];
}

const EXPRESSION = /^\s*(avg|min|max|med|count|rate|value|p\(\d+(?:\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

/** The aggregation methods k6 accepts per metric type (metrics/metric_type.go): no `count` on a trend. */
const statsByType: Record<MetricType, RegExp> = {
  trend: /^(avg|min|max|med|p\(\d+(?:\.\d+)?\))$/,
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
};

export function parseKey(key: string): { metric: string; selector: Record<string, string> } {
  const match = /^([^{}]+?)(?:\{(.*)\})?$/.exec(key);
  if (!match?.[1]) throw new Error(`threshold key ${JSON.stringify(key)} is not metric or metric{tag:value}`);
  const selector: Record<string, string> = {};
  for (const part of (match[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new Error(`threshold key ${JSON.stringify(key)}: ${JSON.stringify(part)} is not tag:value`);
    selector[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return { metric: match[1].trim(), selector };
}

export function parseThresholds(raw: unknown, types: Map<string, MetricType>): ThresholdSet[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object') throw new Error('options.thresholds must be an object of metric -> expressions');
  return Object.entries(raw as Record<string, unknown>).map(([key, list]) => {
    const { metric, selector } = parseKey(key);
    const type = types.get(metric);
    if (!type) throw new Error(`threshold on ${JSON.stringify(key)}: no metric ${JSON.stringify(metric)} is declared`);
    if (!Array.isArray(list)) throw new Error(`threshold on ${JSON.stringify(key)}: a list of expressions is required`);
    const thresholds = list.map((item: unknown) => {
      const source = typeof item === 'string' ? item : (item as { threshold?: unknown } | null)?.threshold;
      if (typeof source !== 'string') throw new Error(`threshold on ${JSON.stringify(key)}: ${JSON.stringify(item)} is not an expression`);
      const m = EXPRESSION.exec(source);
      if (!m) throw new Error(`threshold on ${JSON.stringify(key)}: ${JSON.stringify(source)} is not like p(95)<250, avg<200, rate<0.01 or count>10`);
      const stat = m[1] ?? '';
      if (!statsByType[type].test(stat)) throw new Error(`threshold on ${JSON.stringify(key)}: ${stat} does not apply to a ${type} metric`);
      return { source, stat, op: m[2] as ParsedThreshold['op'], value: Number(m[3]) };
    });
    return { key, metric, selector, thresholds };
  });
}

export function compare(measured: number, op: ParsedThreshold['op'], target: number): boolean {
  switch (op) {
    case '<':
      return measured < target;
    case '<=':
      return measured <= target;
    case '>':
      return measured > target;
    case '>=':
      return measured >= target;
    case '==':
    case '===':
      return measured === target;
    case '!=':
      return measured !== target;
  }
}

export function matchesSelector(tags: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => tags[k] === v);
}
