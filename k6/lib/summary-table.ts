/**
 * The summary's table, with no k6 runtime in it (no __ENV): handleSummary in k6 and the merge
 * of several instances' summaries in Node (scripts/lib/merge-summaries.ts) both build it here.
 */
import { k6Custom } from '../../contract/metrics.ts';
import { k6TrendForTarget } from '../../monitoring/config/metrics.ts';
import { latencyTargets } from '../../monitoring/config/slo.ts';
import { httpDurationKey } from './thresholds.ts';
import type { FailingCheck, MetricSummary, RunSummary, TargetRow } from './summary-format.ts';

/** A group of k6's summary data: its checks and subgroups. */
export interface K6Group {
  name: string;
  path: string;
  groups: K6Group[];
  checks: { name: string; path: string; passes: number; fails: number }[];
}

/** The part of k6's summary data this module reads. */
export interface K6SummaryData {
  root_group?: K6Group;
  state: { testRunDurationMs: number };
  metrics: Record<
    string,
    {
      type: MetricSummary['type'];
      contains: MetricSummary['contains'];
      values: Record<string, number>;
      thresholds?: Record<string, { ok: boolean }>;
    }
  >;
}

const titles: Record<string, string> = {
  [k6Custom.errors]: 'Error rate',
  checks: 'Checks passing',
  http_req_duration: 'HTTP request duration',
  [httpDurationKey]: 'HTTP request duration (successful API calls)',
  [k6Custom.fullFlowSuccess]: 'Successful flows',
  [k6Custom.poolTimeSaved]: 'Pool time saved per order',
};
for (const [key, metric] of Object.entries(k6TrendForTarget)) {
  titles[metric] = latencyTargets[key as keyof typeof latencyTargets].title;
}

/** A threshold expression this suite writes: `stat op number`. */
export const THRESHOLD = /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** One row per threshold expression: what it targets and what the run measured. */
export function targetRows(data: K6SummaryData): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const [metric, summary] of Object.entries(data.metrics)) {
    for (const [expr, result] of Object.entries(summary.thresholds ?? {})) {
      const match = THRESHOLD.exec(expr);
      if (!match) throw new Error(`summary: threshold ${JSON.stringify(expr)} on ${metric} is not of the form stat<number`);
      const [, stat = '', percentile, op = '<', target = '0'] = match;
      let measured = summary.values[stat];
      if (measured === undefined && percentile === '50') measured = summary.values.med;
      // A trend or rate without samples reports zeros or nothing; that is "no data", not a measurement.
      if (summary.type === 'trend' && !summary.values.count) measured = undefined;
      if (summary.type === 'rate' && !((summary.values.passes ?? 0) + (summary.values.fails ?? 0))) measured = undefined;
      const unit: TargetRow['unit'] = stat === 'rate' ? 'ratio' : stat === 'count' ? 'count' : 'ms';
      rows.push({
        title: stat === 'rate' || stat === 'count' ? (titles[metric] ?? metric) : `${titles[metric] ?? metric} ${stat}`,
        metric,
        stat,
        op: op as TargetRow['op'],
        target: Number(target),
        measured: measured ?? null,
        unit,
        result: measured === undefined ? 'not evaluated' : result.ok ? 'pass' : 'fail',
        pass: measured !== undefined && result.ok,
      });
    }
  }
  // k6 hands over its metrics and thresholds as Go maps, in a different order each run: sort,
  // so summary.md is the same table every time (code-point order: no locale in it).
  const key = (row: TargetRow): string => `${row.title}\u0000${row.metric}\u0000${row.stat}${row.op}${row.target}`;
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function fmt(value: number | null, unit: TargetRow['unit']): string {
  if (value === null) return 'no data';
  if (unit === 'ratio') return `${(value * 100).toFixed(2)} %`;
  if (unit === 'count') return String(value);
  return `${value.toFixed(1)} ms`;
}

const STEP_CHECK = /^(\S+ \S+) → (\d+)\b/;

/** Every check that failed at least once, from k6's group tree, most failures first. */
export function failingChecks(root: K6Group | undefined): FailingCheck[] {
  const out: FailingCheck[] = [];
  const walk = (group: K6Group): void => {
    for (const c of group.checks) {
      if (c.fails === 0) continue;
      const match = STEP_CHECK.exec(c.name);
      out.push({ group: group.path, check: c.name, step: match?.[1] ?? null, status: match ? Number(match[2]) : null, fails: c.fails, passes: c.passes });
    }
    for (const sub of group.groups) walk(sub);
  };
  if (root) walk(root);
  return out.sort((a, b) => b.fails - a.fails);
}

export function markdown(summary: RunSummary): string {
  const lines = [
    `# ${summary.script}: ${summary.testid}`,
    '',
    `Run label **${summary.label}**, profile **${summary.profile}**, target ${summary.baseUrl}, ` +
      `${(summary.testRunDurationMs / 1000).toFixed(1)} s. Overall: **${summary.passed ? 'PASS' : 'FAIL'}**` +
      `${summary.targets.some((r) => r.result === 'not evaluated') ? ' (a target without samples is not evaluated, and not a pass)' : ''}.`,
    summary.baselineTestid ? `Pool time saved is measured against baseline run \`${summary.baselineTestid}\`.` : '',
    summary.instance ? `Instance **${summary.instance}** of a run split across k6 instances (the merged summary is results/${summary.testid}/summary.md).` : '',
    summary.merged
      ? `Merged from ${summary.merged.instances.length} k6 instances (${summary.merged.instances.join(', ')}): counts, rates, avg, min and max are exact; percentiles are the ${summary.merged.percentiles}' percentiles.`
      : '',
    '',
    '| What | Target | Measured | Result |',
    '| --- | --- | --- | --- |',
    ...summary.targets.map(
      (row) => `| ${row.title} | ${row.op} ${fmt(row.target, row.unit)} | ${fmt(row.measured, row.unit)} | ${row.result === 'fail' ? 'FAIL' : row.result} |`,
    ),
    '',
    ...failingSection(summary),
    ...(summary.remoteWrite ? ['', `Remote write: ${summary.remoteWrite.ok ? 'ok' : '**FAILED**'}: ${summary.remoteWrite.detail}`] : []),
    '',
  ];
  return lines.filter((line, i) => line !== '' || lines[i - 1] !== '').join('\n');
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Failing checks and steps under the threshold table: which step, how often, which status, what it said. */
function failingSection(summary: RunSummary): string[] {
  const failing = summary.failingChecks ?? [];
  const failedChecks = summary.metrics.checks?.values.fails ?? 0;
  if (failing.length === 0 && failedChecks === 0) return ['No check failed.'];
  if (failing.length === 0) {
    // A runner whose summary data has no group tree (k6's root_group) cannot say which check.
    return [
      '## Failing checks and steps',
      '',
      `${failedChecks} checks failed, but this runner's summary data lists no checks (k6's \`root_group\`): ` +
        'the run log names each failing step once per VU (`step failed: <step> → HTTP <status>: <answer>`).',
    ];
  }
  return [
    '## Failing checks and steps',
    '',
    'A failing step ends its flow; later steps of that flow did not run. Each check is one kind of answer (ids and numbers masked as <id> and N).',
    '',
    '| Step | Status | Failed | Passed | Group | Check (with a sample answer) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...failing.map(
      (f) =>
        `| ${cell(f.step ?? '-')} | ${f.status === null ? '-' : f.status === 0 ? 'no answer' : f.status} | ${f.fails} | ${f.passes} | ${cell(f.group.replace(/^::/, '') || '(root)')} | ${cell(f.check)} |`,
    ),
  ];
}

