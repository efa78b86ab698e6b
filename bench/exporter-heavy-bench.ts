/**
 * `npm run bench:exporter-heavy`: the pool exporter under 50 concurrent scrapes of a 6,000-pool
 * document, next to a bare fetch + JSON.parse server in the same place (the least any exporter
 * must do per probe), in repeated rounds; during each exporter round, also the latency of
 * /-/healthy and of a 6-pool target probed at the same time. Writes the part of
 * bench/results/exporter-bench.md between its `heavy:` markers.
 *
 * Knobs: BENCH_SECONDS (measured seconds per round and server, default 8), BENCH_ROUNDS
 * (default 3). POOL_EXPORTER_MAIN=/path/to/main.ts measures another checkout of the exporter
 * (for a before/after), BENCH_LABEL names it in the output, BENCH_MAX_PROBES bounds each round.
 *
 * Processes: a payload server, the bare baseline, the pool exporter (`node --import tsx`, as
 * the image runs it); this process drives the scrapes over kept-alive connections.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { poolMetric } from '../contract/metrics.ts';
import type { RunningProcess } from '../tools/process.ts';
import { startReportingPort } from './lib/reported-port.ts';
import { formatMs, scrape, scrapeUnderLoad, ScrapeTally, type AnswerCheck, type ScrapeOptions, type ScrapeStats } from './lib/scrape.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULT_FILE = new URL('./results/exporter-bench.md', import.meta.url);
const HEAVY_POOLS = 6_000;
const LIGHT_POOLS = 6;
const CONCURRENCY = 50;
const SECONDS = intFromEnv('BENCH_SECONDS', 8, 1, 120);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1, 10);
const MAX_PROBES = intFromEnv('BENCH_MAX_PROBES', 100_000, 10, 1_000_000);
const WARMUP_PROBES = 100;
const EXPORTER_MAIN = process.env.POOL_EXPORTER_MAIN ?? join(REPO_ROOT, 'exporters/pool-exporter/src/main.ts');
const LABEL = process.env.BENCH_LABEL ?? 'this checkout';
/** As Prometheus sends it for a 10 s scrape timeout: the exporter has 9.5 s. */
const SCRAPE_TIMEOUT_S = 10;

/** A typo must stop the run, not write NaN rows over the recorded results. */
function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}=${raw}: an integer from ${min} to ${max} is expected`);
  return value;
}

// ---- child modes ----
/** The contract's pool shape (as in healthy.json), `pools` times under distinct names. */
function payload(pools: number): string {
  const services: Record<string, unknown> = {};
  for (let i = 0; i < pools; i++) {
    services[`svc-${String(i).padStart(4, '0')}-service`] = {
      healthy_percentage: 75.0,
      ready_connections: 3,
      idle_connections: 0,
      connecting: 0,
      failed_connections: 1,
      shutdown: 0,
      total_connections: 4,
      is_healthy: true,
      status: 'degraded',
    };
  }
  return JSON.stringify({ status: 'degraded', services, summary: { total_services: pools } });
}

async function listenOnPortZero(server: http.Server): Promise<void> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The parent reads the port from this line: no port is chosen before the child has it.
  console.log(`listening on 127.0.0.1:${(server.address() as { port: number }).port}`);
}

/** /pools/<n>: the document, kept alive. */
async function servePayloads(): Promise<void> {
  const bodies = new Map([HEAVY_POOLS, LIGHT_POOLS].map((n) => [`/pools/${n}`, Buffer.from(payload(n))]));
  await listenOnPortZero(
    http.createServer((req, res) => {
      const body = bodies.get(req.url ?? '');
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'content-length': body?.length ?? 0 });
      res.end(body);
    }),
  );
}

/** The baseline: per request, fetch the document over a kept-alive connection and JSON.parse it. */
async function serveBaseline(target: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true });
  await listenOnPortZero(
    http.createServer((_req, res) => {
      http
        .get(target, { agent }, (upstream) => {
          const chunks: Buffer[] = [];
          upstream.on('data', (c: Buffer) => chunks.push(c));
          upstream.on('end', () => {
            const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { services: Record<string, unknown> };
            res.end(`pools ${Object.keys(doc.services).length}\n`);
          });
        })
        .on('error', () => {
          res.statusCode = 502;
          res.end();
        });
    }),
  );
}

// ---- load ----
/** The exporter's /probe says a failure (a probe past its deadline too) in probe_success. */
const PROBE_CHECK: AnswerCheck = { kind: 'probe-success', metric: poolMetric.probeSuccess };
const STATUS_CHECK: AnswerCheck = { kind: 'status' };
/** The baseline answers one line, `pools <n>`: a sample of `pools`. */
const BASELINE_CHECK: AnswerCheck = { kind: 'has-sample', metric: 'pools' };

const scrapeOptions = (agent: http.Agent, check: AnswerCheck): ScrapeOptions => ({ agent, check, scrapeTimeoutSeconds: SCRAPE_TIMEOUT_S, requestTimeoutMs: 60_000 });

/** `concurrency` clients in a loop for `ms`, bounded by MAX_PROBES. */
function load(url: string, check: AnswerCheck, concurrency: number, ms: number): Promise<ScrapeStats> {
  return scrapeUnderLoad(url, { check, scrapeTimeoutSeconds: SCRAPE_TIMEOUT_S, requestTimeoutMs: 60_000 }, { concurrency, maxMs: ms, maxProbes: MAX_PROBES });
}

/** One request after another until `until` resolves: a bystander's view. */
async function sideProbe(url: string, check: AnswerCheck, until: Promise<unknown>): Promise<ScrapeStats> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const opts = scrapeOptions(agent, check);
  const tally = new ScrapeTally();
  let done = false;
  void until.then(() => (done = true));
  const started = performance.now();
  while (!done) {
    tally.add(await scrape(url, opts));
    await sleep(50);
  }
  agent.destroy();
  return tally.summary((performance.now() - started) / 1000);
}

// ---- run ----
const startChild = (name: string, args: string[], logDir: string) => startReportingPort({ name, args, cwd: REPO_ROOT, logDir });

interface Round {
  round: number;
  baseline: ScrapeStats;
  exporter: ScrapeStats;
  healthy: ScrapeStats;
  light: ScrapeStats;
  loadStart: number[];
  loadEnd: number[];
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === '--serve-payloads') return servePayloads();
  if (mode === '--serve-baseline') return serveBaseline(process.argv[3] ?? '');

  const dir = await mkdtemp(join(tmpdir(), 'exporter-heavy-bench-'));
  const procs: RunningProcess[] = [];
  const self = fileURLToPath(import.meta.url);
  try {
    const payloads = await startChild('payload-server', [self, '--serve-payloads'], dir);
    procs.push(payloads.proc);
    const heavyUrl = `http://127.0.0.1:${payloads.port}/pools/${HEAVY_POOLS}`;
    const baseline = await startChild('baseline', [self, '--serve-baseline', heavyUrl], dir);
    procs.push(baseline.proc);
    await writeFile(
      join(dir, 'pool-exporter.yml'),
      `body_size_limit: 8MiB\ntargets:\n  heavy:\n    url: ${heavyUrl}\n    timeout: 30s\n  light:\n    url: http://127.0.0.1:${payloads.port}/pools/${LIGHT_POOLS}\n    timeout: 30s\n`,
    );
    const exporter = await startChild('pool-exporter', [EXPORTER_MAIN, '--config', join(dir, 'pool-exporter.yml'), '--listen', '127.0.0.1:0', '--log-level', 'error'], dir);
    procs.push(exporter.proc);
    const url = {
      baseline: `http://127.0.0.1:${baseline.port}/`,
      heavy: `http://127.0.0.1:${exporter.port}/probe?target=heavy`,
      light: `http://127.0.0.1:${exporter.port}/probe?target=light`,
      healthy: `http://127.0.0.1:${exporter.port}/-/healthy`,
    };

    // Both read the whole document before any timing counts.
    const check = await (await fetch(url.baseline)).text();
    if (check !== `pools ${HEAVY_POOLS}\n`) throw new Error(`baseline answered ${JSON.stringify(check)}`);
    const series = (await (await fetch(url.heavy)).text()).split('\n').filter((l) => l.startsWith('grpc_pool_size{')).length;
    if (series !== HEAVY_POOLS) throw new Error(`the exporter gave ${series} grpc_pool_size series for ${HEAVY_POOLS} pools`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    for (const [target, check] of [
      [url.baseline, BASELINE_CHECK],
      [url.heavy, PROBE_CHECK],
    ] as const) {
      for (let i = 0; i < WARMUP_PROBES; i += CONCURRENCY) await Promise.all(Array.from({ length: CONCURRENCY }, () => scrape(target, scrapeOptions(agent, check))));
    }
    agent.destroy();

    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const loadStart = loadavg();
      // Alternate which one goes first, so that neither always meets a warmer machine.
      const runBaseline = () => load(url.baseline, BASELINE_CHECK, CONCURRENCY, SECONDS * 1000);
      const runExporter = async (): Promise<[ScrapeStats, ScrapeStats, ScrapeStats]> => {
        const heavy = load(url.heavy, PROBE_CHECK, CONCURRENCY, SECONDS * 1000);
        const [exporterStats, healthy, light] = await Promise.all([heavy, sideProbe(url.healthy, STATUS_CHECK, heavy), sideProbe(url.light, PROBE_CHECK, heavy)]);
        return [exporterStats, healthy, light];
      };
      let baselineStats: ScrapeStats;
      let exporterStats: [ScrapeStats, ScrapeStats, ScrapeStats];
      if (round % 2 === 1) {
        baselineStats = await runBaseline();
        exporterStats = await runExporter();
      } else {
        exporterStats = await runExporter();
        baselineStats = await runBaseline();
      }
      const [exp, healthy, light] = exporterStats;
      rounds.push({ round, baseline: baselineStats, exporter: exp, healthy, light, loadStart, loadEnd: loadavg() });
      console.log(
        `round ${round}: baseline p50 ${baselineStats.p50Ms.toFixed(1)} ms ${baselineStats.perSecond.toFixed(1)}/s; exporter p50 ${exp.p50Ms.toFixed(1)} ms p99 ${exp.p99Ms.toFixed(1)} ms ${exp.perSecond.toFixed(1)}/s (${exp.errors} errors${exp.firstFailure ? `, first: ${exp.firstFailure}` : ''}); /-/healthy p50 ${healthy.p50Ms.toFixed(1)} max ${healthy.maxMs.toFixed(1)} ms; 6-pool target p50 ${light.p50Ms.toFixed(1)} max ${light.maxMs.toFixed(1)} ms; bystander errors ${healthy.errors} / ${light.errors}`,
      );
    }
    writeResults(rounds);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One marked section per label, so that a before/after pair can stand side by side. */
const SLUG = LABEL.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const BEGIN = `<!-- heavy:${SLUG}:begin`;
const END = `<!-- heavy:${SLUG}:end -->`;

function writeResults(rounds: Round[]): void {
  const f = formatMs;
  const r2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const pkg = (name: string): string => (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const mean = (pick: (r: Round) => number): number => rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
  const out = [
    `${BEGIN} (written by \`npm run bench:exporter-heavy\`; edit outside the markers) -->`,
    `### ${HEAVY_POOLS.toLocaleString('en')} pools, ${CONCURRENCY} concurrent scrapes, against a bare fetch + JSON.parse (${LABEL})`,
    '',
    `- date: ${new Date().toISOString()}; nproc ${cpus().length}; ${cpus()[0]?.model ?? 'unknown CPU'}; Node.js ${process.version}; express ${pkg('express')}`,
    `- exporter: ${EXPORTER_MAIN === join(REPO_ROOT, 'exporters/pool-exporter/src/main.ts') ? 'exporters/pool-exporter/src/main.ts of this checkout' : LABEL}; ${SECONDS} s per round and server, ${ROUNDS} rounds, ${WARMUP_PROBES} warm-up probes each first; scrape timeout header ${SCRAPE_TIMEOUT_S} s`,
    `- the document: ${Buffer.byteLength(payload(HEAVY_POOLS)).toLocaleString('en')} bytes; the exporter's answer: ${rounds[0]?.exporter.bytes.toLocaleString('en')} bytes (${HEAVY_POOLS * 10} series)`,
    '',
    '| round | load average before → after | baseline p50 / p99 (ms) | baseline probes/s | exporter p50 / p99 (ms) | exporter probes/s | p50 ratio | throughput ratio | exporter errors | /-/healthy p50 / max (ms) | 6-pool target p50 / max (ms) | bystander errors (/-/healthy / 6-pool) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rounds.map(
      (r) =>
        `| ${r.round} | ${load(r.loadStart)} → ${load(r.loadEnd)} | ${f(r.baseline.p50Ms)} / ${f(r.baseline.p99Ms)} | ${r.baseline.perSecond.toFixed(1)} | ${f(r.exporter.p50Ms)} / ${f(r.exporter.p99Ms)} | ${r.exporter.perSecond.toFixed(1)} | ${r2(r.exporter.p50Ms / r.baseline.p50Ms)} | ${r2(r.baseline.perSecond / r.exporter.perSecond)} | ${r.exporter.errors} of ${r.exporter.errors + r.exporter.succeeded} | ${f(r.healthy.p50Ms)} / ${f(r.healthy.maxMs)} | ${f(r.light.p50Ms)} / ${f(r.light.maxMs)} | ${r.healthy.errors} / ${r.light.errors} |`,
    ),
    `| mean | | | ${mean((r) => r.baseline.perSecond).toFixed(1)} | | ${mean((r) => r.exporter.perSecond).toFixed(1)} | ${r2(mean((r) => r.exporter.p50Ms / r.baseline.p50Ms))} | ${r2(mean((r) => r.baseline.perSecond / r.exporter.perSecond))} | ${rounds.reduce((sum, r) => sum + r.exporter.errors, 0)} | | | |`,
    '',
    'Latencies, rates and ratios count successful probes only (exporter and 6-pool target: `probe_success 1`; /-/healthy and baseline: 200 with their answer); the errors are counted apart. ' +
      'Ratios are exporter / baseline for p50 and baseline / exporter for throughput (1 = as fast as a bare fetch + parse). Baseline errors: ' +
      `${rounds.reduce((sum, r) => sum + r.baseline.errors, 0)}.`,
    END,
  ].join('\n');
  let text = readFileSync(RESULT_FILE, 'utf8');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  text = begin >= 0 && end > begin ? `${text.slice(0, begin)}${out}${text.slice(end + END.length)}` : `${text.trimEnd()}\n\n${out}\n`;
  writeFileSync(RESULT_FILE, text);
  console.log(`wrote ${fileURLToPath(RESULT_FILE)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
