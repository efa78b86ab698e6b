/**
 * handleSummary: writes results/<testid>/summary.json and summary.md (target, measured, pass or
 * fail for every threshold) and prints a short table. In k6, handleSummary returns a map of
 * output paths ('stdout' for the terminal) to file contents.
 */
import { k6Custom } from '../../contract/metrics.ts';
import { k6TrendForTarget } from '../../monitoring/config/metrics.ts';
import { latencyTargets } from '../../monitoring/config/slo.ts';
import { config } from './config.ts';
import { baseline } from './baseline.ts';
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

const THRESHOLD = /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

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
  };
}

export function markdown(summary: RunSummary): string {
  const lines = [
    `# ${summary.script}: ${summary.testid}`,
    '',
    `Run label **${summary.label}**, profile **${summary.profile}**, target ${summary.baseUrl}, ` +
      `${(summary.testRunDurationMs / 1000).toFixed(1)} s. Overall: **${summary.passed ? 'PASS' : 'FAIL'}**` +
      `${summary.targets.some((r) => r.result === 'not evaluated') ? ' (a target without samples is not evaluated, and not a pass)' : ''}.`,
    summary.baselineTestid ? `Pool time saved is measured against baseline run \`${summary.baselineTestid}\`.` : '',
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

/** Build the script's handleSummary export. */
export function summaryWriter(script: string): (data: K6SummaryData) => Record<string, string> {
  return (data) => {
    const summary = buildRunSummary(script, data);
    const dir = `results/${summary.testid}`;
    const md = markdown(summary);
    return {
      stdout: `\n${md}\nResults: ${dir}/summary.json, ${dir}/summary.md\n`,
      [`${dir}/summary.json`]: `${JSON.stringify(summary, null, 2)}\n`,
      [`${dir}/summary.md`]: md,
    };
  };
}
