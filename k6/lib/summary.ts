/**
 * handleSummary: writes results/<testid>/summary.json and summary.md (target, measured, pass or
 * fail for every threshold) and prints a short table. In k6, handleSummary returns a map of
 * output paths ('stdout' for the terminal) to file contents.
 */
import { config } from './config.ts';
import { baseline } from './baseline.ts';
import type { MetricSummary, RunSummary } from './summary-format.ts';
import { failingChecks, markdown, targetRows, type K6Group, type K6SummaryData } from './summary-table.ts';

export { failingChecks, markdown, targetRows, type K6Group, type K6SummaryData };

export function buildRunSummary(script: string, data: K6SummaryData): RunSummary {
  const targets = targetRows(data);
  const metrics: Record<string, MetricSummary> = {};
  for (const [name, m] of Object.entries(data.metrics)) {
    const thresholds: Record<string, boolean> = {};
    for (const [expr, result] of Object.entries(m.thresholds ?? {})) thresholds[expr] = result.ok;
    metrics[name] = { type: m.type, contains: m.contains, values: m.values, ...(m.thresholds ? { thresholds } : {}) };
  }
  return {
    formatVersion: 1,
    testid: config.testId,
    script,
    label: config.label,
    profile: config.profile,
    baseUrl: config.baseUrl,
    finishedAt: new Date().toISOString(),
    testRunDurationMs: data.state.testRunDurationMs,
    passed: targets.every((row) => row.result === 'pass'),
    baselineTestid: baseline?.testId ?? null,
    targets,
    failingChecks: failingChecks(data.root_group),
    metrics,
    ...(config.instance ? { instance: config.instance } : {}),
  };
}

/** Build the script's handleSummary export. */
export function summaryWriter(script: string): (data: K6SummaryData) => Record<string, string> {
  return (data) => {
    const summary = buildRunSummary(script, data);
    const dir = config.instance ? `results/${summary.testid}/instances/${config.instance}` : `results/${summary.testid}`;
    const md = markdown(summary);
    return {
      stdout: `\n${md}\nResults: ${dir}/summary.json, ${dir}/summary.md\n`,
      [`${dir}/summary.json`]: `${JSON.stringify(summary, null, 2)}\n`,
      [`${dir}/summary.md`]: md,
    };
  };
}
