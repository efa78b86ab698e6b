/**
 * `npm run report -- <baseline-testid> <pooled-testid> [--results DIR] [--tolerance 0.05] [--json]`:
 * prints the before/after table from results/<testid>/summary.json of two runs and exits 1 when
 * the pooled run regressed: slower than the baseline beyond the tolerance, a metric the baseline
 * measured missing, or more errors than the SLO allows and the baseline had (CI can gate on it).
 * It also writes the report as Markdown and as a self-contained HTML page with charts
 * (scripts/report/html.ts) beside the pooled run's summary: report-vs-<baseline>.{md,html}.
 */
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { compareRuns, loadSummary, renderComparison } from './lib/report.ts';
import { renderReportHtml } from './report/html.ts';

const USAGE = 'usage: npm run report -- <baseline-testid> <pooled-testid> [--results DIR] [--tolerance 0.05] [--json]';

async function main(argv: string[]): Promise<number> {
  const positional: string[] = [];
  let resultsDir = 'results';
  let tolerance = 0.05;
  let json = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--results' || arg === '--tolerance') {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      if (arg === '--results') resultsDir = value;
      else tolerance = Number(value);
      i += 1;
    } else if (arg === '--json') {
      json = true;
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    } else {
      positional.push(arg);
    }
  }
  const [baselineId, pooledId] = positional;
  if (positional.length !== 2 || !baselineId || !pooledId) throw new Error(`expected two testids, got ${JSON.stringify(positional)}\n${USAGE}`);
  if (!(tolerance >= 0)) throw new Error(`--tolerance must be a number >= 0, got ${tolerance}`);
  const dir = resolve(resultsDir);
  const baseline = await loadSummary(dir, baselineId);
  const pooled = await loadSummary(dir, pooledId);
  const comparison = compareRuns(baseline, pooled, tolerance);
  if (comparison.rows.every((r) => r.speedup === null)) {
    throw new Error(`${baselineId} and ${pooledId} share no measured latency metric: nothing to compare`);
  }
  const markdown = renderComparison(comparison);
  const outDir = pooledId.endsWith('.json') ? dirname(resolve(pooledId)) : join(dir, pooledId);
  const stem = join(outDir, `report-vs-${basename(baselineId, '.json')}`);
  await writeFile(`${stem}.md`, markdown);
  await writeFile(`${stem}.html`, renderReportHtml(baseline, pooled, comparison));
  process.stderr.write(`report: wrote ${stem}.md and ${stem}.html\n`);
  process.stdout.write(json ? `${JSON.stringify(comparison, null, 2)}\n` : markdown);
  return comparison.regressions.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`report: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
