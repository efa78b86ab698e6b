/**
 * `npm run bench:ingest`: remote-write ingest of the scale-out ring against one Prometheus, on
 * this machine. The same pre-encoded k6-like workload (many series, one sample of each per push,
 * a fixed number of concurrent writers) is pushed to Prometheus 3.5 (the stack's flags, port 0)
 * and to the Thanos ring through its router, in alternating order, fresh stores every round;
 * each round is verified against what the store holds. Writes bench/results/ingest-bench.md.
 *
 *   npm run bench:ingest [-- --rounds 5] [--series 6000] [--writers 4] [--pushes 400] [--out FILE]
 *
 * The ring binds fixed ports (monitoring/config/thanos.ts), so the benchmark re-runs itself in its
 * own network namespace (unshare -n, lo up). Needs `npm run provision` (Prometheus, Thanos).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { thanos } from '../monitoring/config/thanos.ts';
import { pinnedTool } from '../scripts/engines/engines.ts';
import { currentNetns, namespaceCommand } from '../tools/network-namespace.ts';
import { renderIngestReport, runIngestBenchmark, describeRun } from './lib/ingest-run.ts';
import { buildWorkload } from './lib/ingest-workload.ts';

const OUTER_NETNS = 'INGEST_BENCH_OUTER_NETNS';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    series: { type: 'string', default: '6000' },
    writers: { type: 'string', default: '4' },
    pushes: { type: 'string', default: '400' },
    out: { type: 'string', default: join(import.meta.dirname, 'results', 'ingest-bench.md') },
  },
});
const positive = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} ${raw}: a positive integer is expected`);
  return n;
};
const rounds = positive('rounds', values.rounds);
const series = positive('series', values.series);
const writers = positive('writers', values.writers);
const pushes = positive('pushes', values.pushes);

const outer = process.env[OUTER_NETNS];
if (outer === undefined) {
  // Fail before the namespace when an engine is missing: the message names `npm run provision`.
  pinnedTool('prometheus');
  pinnedTool('thanos');
  const { command, args } = namespaceCommand([process.execPath, '--import', 'tsx', import.meta.filename, ...process.argv.slice(2)]);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, [OUTER_NETNS]: currentNetns() } });
  if (result.error) throw new Error(`${command}: ${result.error.message} (the benchmark needs unshare and ip, as root or with user namespaces)`);
  process.exit(result.status ?? 1);
}
if (currentNetns() === outer) throw new Error('bench:ingest should run in its own network namespace but shares the outer one');

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' / ');
const startLoad = load();
const startedAt = new Date().toISOString();
const workload = buildWorkload({ series, writers, pushes });
console.log(`encoded ${writers} × ${pushes + 1} pushes of ${series / writers} samples (${workload.floatSeriesPerWriter} float, ${workload.histogramSeriesPerWriter} histogram) in ${(workload.encodeMs / 1000).toFixed(1)} s (mean ${Math.round(workload.meanBodyBytes)} bytes each)`);
const report = await runIngestBenchmark({ workload, rounds, log: console.log });

const prometheusVersion = pinnedTool('prometheus').version;
const text = [
  '# Remote-write ingest: the Thanos ring vs one Prometheus, on one machine',
  '',
  `Recorded by \`npm run bench:ingest -- --rounds ${rounds} --series ${series} --writers ${writers} --pushes ${pushes}\` (bench/ingest-bench.ts), ${startedAt}.`,
  '',
  '**What this measures: the ring\'s overhead on one machine, not a scale-out gain.** The three',
  'receivers, the router, Query and Prometheus all run on the same 2 cores as the client; with',
  `replication ${thanos.replicationFactor} every sample is written twice (two receivers' TSDBs) after a routing hop`,
  '(client → router → receivers), so the ring does more work per sample than one Prometheus. On',
  'separate machines the receivers would add capacity; here they share it.',
  '',
  '## Machine',
  '',
  `- nproc: ${cpus().length}; CPU: ${cpus()[0]?.model ?? 'unknown'}; memory: ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  `- node: ${process.version}; git: ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()}`,
  `- Prometheus ${prometheusVersion} and Thanos ${thanos.version}: the pinned builds (\`npm run provision\`)`,
  `- load average (1/5/15 min) at start: ${startLoad}; at end: ${load()} (the machine is shared: read the rates with it)`,
  '',
  '## Method',
  '',
  `- Workload (bench/lib/ingest-workload.ts), what k6's remote-write output sends with trends as native histograms (the stack's`,
  `  setting): ${series.toLocaleString('en-US')} series in all, split over ${writers} writers (k6 instances, one \`instance\` tag each, ${series / writers} series each:`,
  `  ${workload.floatSeriesPerWriter} float, ${workload.histogramSeriesPerWriter} native histogram). Per request tag set (\`scenario\`, \`name\` (the steps of k6/lib/contract.ts), \`method\`, \`status\`,`,
  '  `expected_response`, ...) k6 writes `k6_http_reqs_total` and `k6_http_req_failed_rate` as floats and its seven',
  '  `k6_http_req_*_seconds` trends plus the step\'s custom latency trend (contract/metrics.ts) as native histograms',
  '  (exponential schema 3, k6\'s bucket factor 1.1, integer counts): 2 floats and 8 histograms per tag set.',
  `  Each push carries one sample of every series of its writer, as k6 flushes all series at once; timestamps advance ${workload.options.intervalMs / 1000} s per push;`,
  '  every histogram gets 1–4 new observations per push (cumulative, as k6\'s), the counter grows by as many.',
  `  The floats-only workload before it: bench/results/ingest-bench-floats-only.md.`,
  `- Every body is protobuf + snappy encoded before the clock starts (${(report.workload.encodeMs / 1000).toFixed(1)} s for ${writers * (pushes + 1)} bodies,`,
  `  ${Math.round(report.workload.meanBodyBytes).toLocaleString('en-US')} bytes each on average): the client only POSTs them (Node's fetch, kept-alive connections).`,
  `- Per writer: one untimed warm-up push (creates the series), then ${pushes} pushes back to back, one in flight per writer,`,
  `  ${writers} writers at once: ${report.workload.samplesPerRound.toLocaleString('en-US')} timed samples per store and round, as fast as the store accepts them.`,
  '- Accepted samples/s = samples (float and histogram alike) of timed 2xx pushes / timed phase. A non-2xx answer or an error is counted and shown;',
  '  its samples never count and its latency is not in p50/p99.',
  `- Stores, each fresh (new data directories) per round: Prometheus ${prometheusVersion} with the stack's flags`,
  '  (`--web.enable-remote-write-receiver`, native histograms; monitoring/config/stack.ts), no scrape jobs, on port 0;',
  `  the Thanos ring of tools/thanos-ring.ts (router → Receive ×${thanos.receivers}, replication ${thanos.replicationFactor}, Query), written through its router.`,
  '  Both run in the benchmark\'s own network namespace (the ring\'s ports are fixed).',
  '- After each run the store is asked what it holds for the run\'s `testid`: series count, sample count',
  '  (`count_over_time`, summed per metric name: floats and histograms), the sum of every float value, and for the',
  '  histograms `histogram_count` and `histogram_sum` of `sum_over_time` (the sums over every stored histogram sample;',
  '  observations are multiples of 2^-10 s, so they are exact). Prometheus through its API; the ring',
  '  through a second Thanos Query over the same receivers with `--deduplication.func=chain` (replicas merged 1:1: a',
  '  sample counts when any receiver holds it), partial responses refused. All five must equal what the client counted',
  '  as accepted; a run that does not is marked failed and its rate is not used. For the ring, what the stack\'s own Query',
  '  shows and the replica copies (no deduplication) are recorded beside it.',
  `- ${rounds} rounds, the order alternating (odd rounds Prometheus first). Ratio = ring / Prometheus accepted samples/s`,
  '  within one round; the 1-minute load average is read before each store starts and after its pushes.',
  '',
  ...renderIngestReport(report),
  '',
].join('\n');
await writeFile(values.out, text);
for (const r of report.runs) if (!r.ok) console.log(`FAILED ${describeRun(r)}`);
console.log(`wrote ${values.out}`);
