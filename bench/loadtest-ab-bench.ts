/**
 * `npm run bench:loadtest`: the user's main job, measured. The end-to-end k6 script runs through
 * the test harness against the demo shop with per-call channels (baseline), then with the pool,
 * for each simulated network RTT; `npm run report`'s comparison is computed from the two runs.
 * Writes bench/results/loadtest-ab-bench.md with the machine it ran on.
 *
 *   npm run bench:loadtest [-- --rtt 0,10] [--profile smoke] [--out FILE]
 *
 * Smoke profiles hold a few dozen flows per run, so a p95 moves between runs; read the medians
 * and the load average too. k6 itself is not installable here: the harness runs the real script.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareRuns, renderComparison } from '../scripts/lib/report.ts';
import { runHarness } from '../tools/k6-harness/index.ts';
import { startDemoProcess } from '../tools/demo-process.ts';
import { createResultsDir } from '../scripts/lib/results-dir.ts';

const { values } = parseArgs({
  options: {
    rtt: { type: 'string', default: '0,10' },
    profile: { type: 'string', default: 'smoke' },
    out: { type: 'string', default: join(import.meta.dirname, 'results', 'loadtest-ab-bench.md') },
  },
});
const rtts = values.rtt.split(',').map((raw) => {
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`--rtt ${values.rtt}: whole numbers of ms >= 0, comma-separated`);
  return ms;
});
const script = join(import.meta.dirname, '../k6/end-to-end-test.ts');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' / ');

const report: string[] = [
  '# Load test A/B: per-call baseline vs pooled (end-to-end flow)',
  '',
  `Recorded by \`npm run bench:loadtest\` (bench/loadtest-ab-bench.ts), ${new Date().toISOString()}.`,
  '',
  '## Machine',
  '',
  `- nproc: ${cpus().length}; CPU: ${cpus()[0]?.model ?? 'unknown'}`,
  `- node: ${process.version}; git: ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()}`,
  `- load average at start (1/5/15 min): ${load()} (2 cores: read the numbers with it)`,
  '',
  '## Method',
  '',
  `- k6/end-to-end-test.ts, PROFILE=${values.profile}, through the test harness (tools/k6-harness), against \`npm run demo\` in its own process;`,
  '  first with POOL_MODE=per-call (a new gRPC connection per RPC), then POOL_MODE=pooled with the baseline summary as BASELINE_SUMMARY.',
  '- Simulated network RTT on every gRPC connection (DEMO_RTT_MS): the demo\'s delaying TCP proxy.',
  '- The tables are `npm run report`\'s comparison of the two summaries; speed-up = baseline p95 / pooled p95.',
  '',
];

const dir = await mkdtemp(join(tmpdir(), 'loadtest-ab-'));
try {
  for (const rttMs of rtts) {
    const stamp = Date.now();
    const summaries = [];
    for (const [poolMode, label] of [['per-call', 'baseline'], ['pooled', 'pooled']] as const) {
      const demo = await startDemoProcess({ poolMode, rttMs });
      try {
        const env: Record<string, string> = { BASE_URL: demo.baseUrl, RUN_LABEL: label };
        if (label === 'pooled') env.BASELINE_SUMMARY = join(dir, 'results', `ab-baseline-${stamp}`, 'summary.json');
        createResultsDir(dir, `ab-${label}-${stamp}`);
        const result = await runHarness({ script, env, profile: values.profile, testid: `ab-${label}-${stamp}`, cwd: dir, print: false });
        if (!result.summary) throw new Error(`${label} run (RTT ${rttMs} ms) wrote no summary`);
        summaries.push(result.summary);
      } finally {
        await demo.stop();
      }
    }
    const [baseline, pooled] = summaries;
    if (!baseline || !pooled) throw new Error('missing a run');
    const section = [
      `## RTT ${rttMs} ms`,
      '',
      `Flows: baseline ${baseline.metrics.full_flow_success?.values.count ?? 0}, pooled ${pooled.metrics.full_flow_success?.values.count ?? 0}; load average after: ${load()}.`,
      '',
      renderComparison(compareRuns(baseline, pooled)),
    ].join('\n');
    console.log(section);
    report.push(section);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
await writeFile(values.out, `${report.join('\n')}\n`);
console.log(`wrote ${values.out}`);
