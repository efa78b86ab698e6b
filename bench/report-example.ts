/**
 * `npx tsx bench/report-example.ts [--rtt 10]`: records the two runs that docs/examples/report/ shows.
 * The end-to-end k6 script runs through the test harness against the demo shop, first with
 * per-call connections (baseline), then pooled, both with a simulated network RTT, exactly as
 * `npm run bench:loadtest` does. Their summary.json files go to docs/examples/report/<testid>/ with
 * a note of the machine's load; the report page there is generated from them by the suite
 * (tests/k6/report-html.test.ts), so it is a measured example, not a drawing.
 */
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runHarness } from '../tools/k6-harness/index.ts';
import { startDemoProcess } from '../tools/demo-process.ts';
import { createResultsDir } from '../scripts/lib/results-dir.ts';

const { values } = parseArgs({ options: { rtt: { type: 'string', default: '10' } } });
const rttMs = Number(values.rtt);
if (!Number.isInteger(rttMs) || rttMs < 0) throw new Error(`--rtt ${values.rtt}: a whole number of ms >= 0`);
const outDir = join(import.meta.dirname, '..', 'docs', 'examples', 'report');
const script = join(import.meta.dirname, '../k6/end-to-end-test.ts');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' / ');

const loadBefore = load();
const dir = await mkdtemp(join(tmpdir(), 'report-example-'));
try {
  for (const [poolMode, label] of [['per-call', 'baseline'], ['pooled', 'pooled']] as const) {
    const demo = await startDemoProcess({ poolMode, rttMs });
    try {
      const env: Record<string, string> = { BASE_URL: demo.baseUrl, RUN_LABEL: label };
      if (label === 'pooled') env.BASELINE_SUMMARY = join(dir, 'results', 'example-baseline', 'summary.json');
      createResultsDir(dir, `example-${label}`);
      const result = await runHarness({ script, env, profile: 'smoke', testid: `example-${label}`, cwd: dir, print: false });
      if (!result.summary) throw new Error(`${label} run wrote no summary`);
    } finally {
      await demo.stop();
    }
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const testid of await readdir(join(dir, 'results'))) {
    await mkdir(join(outDir, testid), { recursive: true });
    await cp(join(dir, 'results', testid, 'summary.json'), join(outDir, testid, 'summary.json'));
  }
  await writeFile(
    join(outDir, 'RECORDED.md'),
    [
      '# How these runs were recorded',
      '',
      `\`npx tsx bench/report-example.ts --rtt ${rttMs}\` on ${new Date().toISOString()}: k6/end-to-end-test.ts, smoke profile,`,
      `through the test harness against the demo shop with a simulated RTT of ${rttMs} ms, per-call connections then pooled.`,
      `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average before ${loadBefore}, after ${load()}.`,
      '',
      'report-vs-example-baseline.{md,html} are `npm run report -- example-baseline example-pooled --results docs/examples/report`;',
      'tests/k6/report-html.test.ts regenerates them and fails when they drift.',
      '',
    ].join('\n'),
  );
  console.log(`wrote ${outDir}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
