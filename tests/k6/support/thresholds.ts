/**
 * How tests judge a k6 run's thresholds without asserting machine speed (docs/testing.md):
 * every threshold must have been evaluated, on a measured value, to the verdict its expression
 * gives (recomputed here, independently of the harness); thresholds on function (error rate,
 * checks, counts) must pass; thresholds on speed (a Trend's p(N), avg, med, min, max) are
 * reported with their values, not required to pass on whatever machine runs the suite. That they
 * can fail is proven by runs that cross them deterministically (injected latency).
 */
import assert from 'node:assert/strict';
import type { HarnessResult } from '../../../tools/k6-harness/index.ts';

type Threshold = HarnessResult['thresholds'][number];

const EXPRESSION = /^\s*(p\(\d+(?:\.\d+)?\)|avg|med|min|max|rate|count|value)\s*(<=|>=|<|>|===|==|!=)\s*(-?\d+(?:\.\d+)?)\s*$/;

export interface ParsedExpression {
  stat: string;
  op: string;
  target: number;
}

export function parseExpression(expression: string): ParsedExpression {
  const m = EXPRESSION.exec(expression);
  if (!m?.[1] || !m[2] || !m[3]) throw new Error(`unreadable threshold expression ${JSON.stringify(expression)}`);
  return { stat: m[1], op: m[2], target: Number(m[3]) };
}

/** A threshold on speed: a latency statistic, or an average of time saved. */
export function isSpeedThreshold(expression: string): boolean {
  return /^(p\(|avg$|med$|min$|max$)/.test(parseExpression(expression).stat);
}

export function verdict(measured: number, op: string, target: number): boolean {
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
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

export interface ThresholdReport {
  speed: Threshold[];
  function: Threshold[];
  /** One line per speed threshold: "key expression: measured N -> pass|crossed". */
  lines: string[];
}

/**
 * Asserts every threshold was evaluated on a measured value to the right verdict, the function
 * ones passed, and `passed` is the AND of all of them. Returns the speed ones for the caller to
 * report (t.diagnostic) or to assert crossed.
 */
export function assertThresholdsEvaluated(result: Pick<HarnessResult, 'thresholds' | 'passed'>): ThresholdReport {
  assert.ok(result.thresholds.length > 0, 'the run evaluated no threshold');
  const speed: Threshold[] = [];
  const fn: Threshold[] = [];
  for (const t of result.thresholds) {
    const { op, target } = parseExpression(t.expression);
    assert.ok(Number.isFinite(t.measured), `${t.key} ${t.expression} was not measured (${t.measured})`);
    assert.equal(t.ok, verdict(t.measured, op, target), `${t.key} ${t.expression}: measured ${t.measured}, verdict ${t.ok}`);
    (isSpeedThreshold(t.expression) ? speed : fn).push(t);
  }
  assert.deepEqual(fn.filter((t) => !t.ok), [], 'a threshold on function (errors, checks, counts) was crossed');
  assert.equal(result.passed, result.thresholds.every((t) => t.ok), 'passed is the AND of every threshold');
  const lines = speed.map((t) => `${t.key} ${t.expression}: measured ${t.measured.toFixed(1)} -> ${t.ok ? 'pass' : 'crossed (speed is not asserted on this machine)'}`);
  return { speed, function: fn, lines };
}
