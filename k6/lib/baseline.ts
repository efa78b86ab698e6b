/**
 * The measured baseline: a previous run's summary.json (BASELINE_SUMMARY), read once in the init
 * context. With no baseline there is nothing to compare with, so no time-saved samples are emitted
 * (the seed subtracted from a hard-coded 900 ms instead).
 */
import { k6Custom } from '../../contract/metrics.ts';
import { config } from './config.ts';
import type { RunSummary } from './summary-format.ts';

export interface Baseline {
  testId: string;
  /** The baseline run's measured order creation p95, ms. */
  orderP95Ms: number;
}

function loadBaseline(path: string): Baseline | null {
  if (path === '') return null;
  let text: string;
  try {
    text = open(path);
  } catch (err) {
    throw new Error(`BASELINE_SUMMARY=${path}: cannot read it (${String(err)})`);
  }
  let summary: RunSummary;
  try {
    summary = JSON.parse(text) as RunSummary;
  } catch (err) {
    throw new Error(`BASELINE_SUMMARY=${path}: not JSON (${String(err)})`);
  }
  const p95 = summary.metrics?.[k6Custom.orderServiceLatency]?.values?.['p(95)'];
  if (typeof p95 !== 'number' || !(p95 > 0)) {
    throw new Error(`BASELINE_SUMMARY=${path}: has no measured ${k6Custom.orderServiceLatency} p(95)`);
  }
  return { testId: summary.testid ?? 'unknown', orderP95Ms: p95 };
}

export const baseline: Baseline | null = loadBaseline(config.baselineSummary);
