/**
 * Reproduces the before/after numbers in docs/k6.md: the end-to-end script through the harness,
 * against the demo shop with per-call channels (baseline) and then with the pool, and the report.
 *   npx tsx tests/k6/support/compare-runs.ts [--rtt 10] [--profile smoke]
 * Prints the machine (nproc, CPU, load average) with the numbers.
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runHarness } from '../../k6-harness/index.ts';
import { compareRuns, renderComparison } from '../../../scripts/lib/report.ts';
import { startDemoProcess } from './demo.ts';

const { values } = parseArgs({ options: { rtt: { type: 'string', default: '10' }, profile: { type: 'string', default: 'smoke' } } });
const rttMs = Number(values.rtt);
if (!Number.isInteger(rttMs) || rttMs < 0) throw new Error(`--rtt ${values.rtt}: a whole number of ms >= 0 is required`);
const dir = await mkdtemp(join(tmpdir(), 'k6-compare-'));
const script = join(import.meta.dirname, '../../../k6/end-to-end-test.ts');
const stamp = Date.now();
try {
  const summaries = [];
  for (const [poolMode, label] of [['per-call', 'baseline'], ['pooled', 'pooled']] as const) {
    const demo = await startDemoProcess({ poolMode, rttMs });
    try {
      const env: Record<string, string> = { BASE_URL: demo.baseUrl, RUN_LABEL: label };
      if (label === 'pooled') env.BASELINE_SUMMARY = join(dir, 'results', `compare-baseline-${stamp}`, 'summary.json');
      const result = await runHarness({ script, env, profile: values.profile, testid: `compare-${label}-${stamp}`, cwd: dir, print: false });
      if (!result.summary) throw new Error(`${label} run wrote no summary`);
      summaries.push(result.summary);
    } finally {
      await demo.stop();
    }
  }
  const [baseline, pooled] = summaries;
  if (!baseline || !pooled) throw new Error('missing a run');
  console.log(`machine: nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}, loadavg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`demo RTT ${rttMs} ms, profile ${values.profile}, flows: baseline ${baseline.metrics.full_flow_success?.values.count}, pooled ${pooled.metrics.full_flow_success?.values.count}\n`);
  process.stdout.write(renderComparison(compareRuns(baseline, pooled)));
} finally {
  await rm(dir, { recursive: true, force: true });
}
