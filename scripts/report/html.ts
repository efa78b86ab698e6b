/**
 * The before/after report as one self-contained HTML page (inline SVG and CSS, no script, no
 * network): per flow metric, p50/p95/p99 of the baseline and the pooled run as bars with the
 * targets drawn in, the p95 speed-up, and every check that failed. It reads the same summaries
 * and comparison as the Markdown report (scripts/lib/report.ts).
 */
import { k6TrendForTarget } from '../../monitoring/config/metrics.ts';
import { latencyTargets, slo, type LatencyTargetKey } from '../../monitoring/config/slo.ts';
import type { FailingCheck, RunSummary, TargetRow } from '../../k6/lib/summary-format.ts';
import type { Comparison } from '../lib/report.ts';

export const PERCENTILES = [
  { label: 'p50', stat: 'med' },
  { label: 'p95', stat: 'p(95)' },
  { label: 'p99', stat: 'p(99)' },
] as const;
export type PercentileLabel = (typeof PERCENTILES)[number]['label'];

/** One metric's chart data: measured percentiles (null: not measured) and the targets that exist. */
export interface MetricChart {
  key: LatencyTargetKey;
  title: string;
  metric: string;
  baseline: Record<PercentileLabel, number | null>;
  pooled: Record<PercentileLabel, number | null>;
  targets: Partial<Record<PercentileLabel, number>>;
  speedup: number | null;
}

function percentiles(summary: RunSummary, metric: string): Record<PercentileLabel, number | null> {
  const m = summary.metrics[metric];
  const measured = m?.type === 'trend' && (m.values.count ?? 0) > 0;
  const out = { p50: null, p95: null, p99: null } as Record<PercentileLabel, number | null>;
  for (const { label, stat } of PERCENTILES) out[label] = measured ? (m.values[stat] ?? null) : null;
  return out;
}

/** The targets slo.ts sets for a metric: p95 for every step, p50 and p99 for the full flow too. */
function targetsOf(key: LatencyTargetKey): Partial<Record<PercentileLabel, number>> {
  if (key === 'fullFlow') return { p50: slo.fullFlow.p50Ms, p95: slo.fullFlow.p95Ms, p99: slo.fullFlow.p99Ms };
  return { p95: latencyTargets[key].p95Ms };
}

export function metricCharts(baseline: RunSummary, pooled: RunSummary, comparison: Comparison): MetricChart[] {
  return (Object.keys(latencyTargets) as LatencyTargetKey[]).map((key) => ({
    key,
    title: latencyTargets[key].title,
    metric: k6TrendForTarget[key],
    baseline: percentiles(baseline, k6TrendForTarget[key]),
    pooled: percentiles(pooled, k6TrendForTarget[key]),
    targets: targetsOf(key),
    speedup: comparison.rows.find((r) => r.key === key)?.speedup ?? null,
  }));
}

function checkLine(check: FailingCheck): string {
  const total = check.fails + check.passes;
  const call = check.step ? ` (${check.step}${check.status !== null ? ` → ${check.status === 0 ? 'no answer' : check.status}` : ''})` : '';
  return `check "${check.check}"${call} in ${check.group || 'the root group'} failed ${check.fails} of ${total}`;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmtMs = (v: number | null): string => (v === null ? 'not measured' : `${v.toFixed(1)} ms`);

function fmtTargetValue(row: TargetRow): string {
  const v = (x: number | null): string => {
    if (x === null) return 'no sample';
    if (row.unit === 'ms') return `${x.toFixed(1)} ms`;
    if (row.unit === 'ratio') return `${(x * 100).toFixed(2)} %`;
    return String(x);
  };
  const target = row.unit === 'ratio' ? `${(row.target * 100).toFixed(2)} %` : row.unit === 'ms' ? `${row.target} ms` : String(row.target);
  return `${v(row.measured)} (target ${row.op} ${target})`;
}

const COLORS = { baseline: '#8c959f', pooled: '#0969da', target: '#cf222e', text: '#1f2328', grid: '#d0d7de' };

/** Horizontal bars: per percentile a baseline and a pooled bar; targets as red dashed ticks. */
function chartSvg(chart: MetricChart): string {
  const width = 640;
  const left = 60;
  const right = 110;
  const rowHeight = 58;
  const barHeight = 16;
  const top = 10;
  const height = top + PERCENTILES.length * rowHeight + 30;
  const values = [...Object.values(chart.baseline), ...Object.values(chart.pooled), ...Object.values(chart.targets)].filter((v): v is number => typeof v === 'number');
  const max = Math.max(1, ...values) * 1.05;
  const plot = width - left - right;
  const x = (v: number): number => left + (v / max) * plot;
  const parts: string[] = [];
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${height - 24}" stroke="${COLORS.grid}"/>`);
  PERCENTILES.forEach(({ label }, i) => {
    const y = top + i * rowHeight;
    parts.push(`<text x="${left - 8}" y="${y + barHeight + 4}" text-anchor="end" font-size="13" fill="${COLORS.text}">${label}</text>`);
    (['baseline', 'pooled'] as const).forEach((run, j) => {
      const value = chart[run][label];
      const by = y + j * (barHeight + 2);
      if (value === null) {
        parts.push(`<text x="${left + 4}" y="${by + 12}" font-size="11" fill="${COLORS.text}">${run}: not measured</text>`);
        return;
      }
      parts.push(
        `<rect class="bar ${run}" data-percentile="${label}" data-value="${value.toFixed(1)}" x="${left}" y="${by}" width="${Math.max(1, x(value) - left).toFixed(1)}" height="${barHeight}" fill="${COLORS[run]}"><title>${run} ${label}: ${value.toFixed(1)} ms</title></rect>`,
        `<text x="${(x(value) + 4).toFixed(1)}" y="${by + 12}" font-size="11" fill="${COLORS.text}">${value.toFixed(1)} ms</text>`,
      );
    });
    const target = chart.targets[label];
    if (target !== undefined) {
      const tx = x(target).toFixed(1);
      parts.push(
        `<line class="target" data-percentile="${label}" data-value="${target}" x1="${tx}" y1="${y - 4}" x2="${tx}" y2="${y + 2 * barHeight + 6}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="4 3"><title>target ${label} &lt; ${target} ms</title></line>`,
        `<text x="${tx}" y="${y + 2 * barHeight + 16}" text-anchor="middle" font-size="10" fill="${COLORS.target}">target ${target} ms</text>`,
      );
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(chart.title)} latency, baseline vs pooled" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

export function renderReportHtml(baseline: RunSummary, pooled: RunSummary, comparison: Comparison): string {
  const charts = metricCharts(baseline, pooled, comparison);
  const runs = [['baseline', baseline], ['pooled', pooled]] as const;
  const failures = [
    ...comparison.regressions.map((r) => `Regression: ${r}`),
    ...runs.flatMap(([label, run]) => run.targets.filter((row) => row.result === 'fail').map((row) => `${label} ${run.testid}: ${row.title} ${fmtTargetValue(row)}`)),
    ...runs.flatMap(([label, run]) => (run.failingChecks ?? []).map((check) => `${label} ${run.testid}: ${checkLine(check)}`)),
  ];
  // No sample means no verdict: neither passed nor failed, and said so.
  const notEvaluated = runs.flatMap(([label, run]) =>
    run.targets.filter((row) => row.result === 'not evaluated').map((row) => `${label} ${run.testid}: ${row.title} (no sample)`),
  );
  const sections = charts.map((c) => {
    const row = (label: PercentileLabel): string =>
      `<tr><th scope="row">${label}</th><td>${fmtMs(c.baseline[label])}</td><td>${fmtMs(c.pooled[label])}</td><td>${c.targets[label] === undefined ? '-' : `&lt; ${c.targets[label]} ms`}</td></tr>`;
    return [
      `<section class="metric" id="${c.key}">`,
      `<h2>${escapeHtml(c.title)} <span class="speedup">${c.speedup === null ? 'p95 speed-up: n/a' : `p95 speed-up ${c.speedup.toFixed(2)}x`}</span></h2>`,
      chartSvg(c),
      `<table><thead><tr><th></th><th>Baseline</th><th>Pooled</th><th>Target</th></tr></thead><tbody>${PERCENTILES.map((p) => row(p.label)).join('')}</tbody></table>`,
      '</section>',
    ].join('\n');
  });
  const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} %`);
  const verdict = comparison.regressions.length === 0 ? 'No regression' : `REGRESSION (${comparison.regressions.length})`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Connection pool before/after: ${escapeHtml(baseline.testid)} vs ${escapeHtml(pooled.testid)}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;color:${COLORS.text};max-width:900px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin:28px 0 6px}.speedup{font-weight:normal;color:#1a7f37;margin-left:12px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid ${COLORS.grid};padding:4px 10px;text-align:right}th[scope=row],thead th{text-align:left}
.legend span{display:inline-block;margin-right:18px}.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px}
#failures li{color:#cf222e}.ok{color:#1a7f37}
</style></head><body>
<h1>Connection pool before/after</h1>
<p id="runs">Baseline <b>${escapeHtml(baseline.testid)}</b> (${escapeHtml(baseline.script)}, ${escapeHtml(baseline.profile)}, finished ${escapeHtml(baseline.finishedAt)}) vs pooled <b>${escapeHtml(pooled.testid)}</b> (${escapeHtml(pooled.script)}, ${escapeHtml(pooled.profile)}, finished ${escapeHtml(pooled.finishedAt)}).</p>
<p id="verdict" class="${comparison.regressions.length === 0 ? 'ok' : ''}">${verdict} (latency tolerance ${Number((comparison.tolerance * 100).toFixed(2))} %). Error rate: baseline ${pct(comparison.errorRate.baseline)}, pooled ${pct(comparison.errorRate.pooled)} (target &lt; ${pct(slo.errorRateMax)}).</p>
<p class="legend"><span><i class="swatch" style="background:${COLORS.baseline}"></i>baseline (a connection per call)</span><span><i class="swatch" style="background:${COLORS.pooled}"></i>pooled</span><span><i class="swatch" style="background:${COLORS.target}"></i>target (dashed)</span></p>
${sections.join('\n')}
<h2>Failing checks and thresholds</h2>
${failures.length === 0 ? '<p id="failures" class="ok">None: every evaluated check passed in both runs.</p>' : `<ul id="failures">${failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`}
${notEvaluated.length === 0 ? '' : `<h2>Not evaluated</h2>\n<ul id="not-evaluated">${notEvaluated.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`}
</body></html>
`;
}
