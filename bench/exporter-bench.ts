/**
 * `npm run bench:exporter`: the pool exporter against prometheus-community/json_exporter, in one
 * run, on the same payloads: probe latency (p50/p99) and probes per second at 1, 10 and 50
 * concurrent scrapes of a 6-pool document (the contract's healthy.json), then how one probe's
 * cost grows with 6, 60 and 600 pools. Writes the generated part of
 * bench/results/exporter-bench.md (between its markers; the hand-written analysis stays).
 *
 * json_exporter is not part of this repository: build it outside and pass its path,
 *   JSON_EXPORTER_BIN=/path/to/json_exporter [JSON_EXPORTER_VERSION=v0.7.0] npm run bench:exporter
 * Knobs: BENCH_SECONDS (measured seconds per concurrency level and exporter, default 6).
 *
 * Three processes besides this one: a payload server, the pool exporter, json_exporter; this
 * process drives the scrapes over kept-alive connections, as Prometheus does.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { poolMetric } from '../contract/metrics.ts';
import { listeningLine, startListeningProcess, type RunningProcess } from '../tools/process.ts';
import { startReportingPort } from './lib/reported-port.ts';
import { formatMs, scrapeUnderLoad, type AnswerCheck, type ScrapeStats } from './lib/scrape.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULT_FILE = new URL('./results/exporter-bench.md', import.meta.url);
const FIXTURE = join(REPO_ROOT, 'fixtures', 'pool-health', 'healthy.json');
const POOL_COUNTS = [6, 60, 600] as const;
const CONCURRENCY = [1, 10, 50] as const;
const SECONDS = secondsFromEnv(process.env.BENCH_SECONDS, 6);
const WARMUP_REQUESTS = 300;
/** Bounded in count whatever the speed. */
const MAX_REQUESTS = 100_000;
/** The scaling runs: at most this many probes or this long, at least MIN_SCALING_PROBES. */
const SCALING_MAX_PROBES = 200;
const SCALING_MAX_MS = 8_000;
const MIN_SCALING_PROBES = 3;

/** A typo must stop the run, not write NaN rows over the recorded results. */
function secondsFromEnv(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 120) throw new Error(`BENCH_SECONDS=${raw}: an integer from 1 to 120 is expected`);
  return value;
}

// ---- payloads ----
/** The contract's healthy.json for 6 pools; the same shape repeated for more. */
function payload(pools: number): string {
  const sample = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { services: Record<string, Record<string, unknown>> };
  if (pools === Object.keys(sample.services).length) return JSON.stringify(sample);
  const entries = Object.values(sample.services);
  const services: Record<string, unknown> = {};
  for (let i = 0; i < pools; i++) services[`svc-${String(i).padStart(4, '0')}-service`] = entries[i % entries.length];
  return JSON.stringify({ ...sample, services, summary: { total_services: pools } });
}

/** Child mode: serve /pools/<n> with keep-alive, nothing else. */
function servePayloads(port: number): void {
  const bodies = new Map(POOL_COUNTS.map((n) => [`/pools/${n}`, Buffer.from(payload(n))]));
  const server = http.createServer((req, res) => {
    const body = bodies.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'content-length': body?.length ?? 0 });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  // Port 0: the parent reads the port back from this line (no free port guessed beforehand).
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    if (address !== null && typeof address === 'object') console.log(`payload server listening on 127.0.0.1:${address.port}`);
  });
}

// ---- json_exporter config: one object metric per pool (it cannot use map keys as labels) ----
function jsonExporterConfig(): string {
  const lines = ['modules:'];
  for (const n of POOL_COUNTS) {
    const doc = JSON.parse(payload(n)) as { services: Record<string, unknown> };
    lines.push(`  pools${n}:`, '    metrics:');
    lines.push(
      '      - name: grpc_pool_manager',
      '        type: object',
      '        help: Pool manager status.',
      "        path: '{ @ }'",
      "        labels: { status: '{ .status }' }",
      '        values: { status: 1 }',
    );
    for (const pool of Object.keys(doc.services)) {
      lines.push(
        '      - name: grpc_pool',
        '        type: object',
        '        help: Pool connections.',
        `        path: "{ .services['${pool}'] }"`,
        `        labels: { pool: ${pool}, status: '{ .status }' }`,
        '        values:',
        "          connections_ready: '{ .ready_connections }'",
        "          connections_idle: '{ .idle_connections }'",
        "          connections_connecting: '{ .connecting }'",
        "          connections_transient_failure: '{ .failed_connections }'",
        "          connections_shutdown: '{ .shutdown }'",
        "          size: '{ .total_connections }'",
        "          healthy_percentage: '{ .healthy_percentage }'",
        "          is_healthy: '{ .is_healthy }'",
      );
    }
  }
  // The floor: a module with one metric only, to show json_exporter's fixed cost per probe.
  lines.push(
    '  floor:',
    '    metrics:',
    '      - name: grpc_pool_manager',
    '        type: object',
    '        help: Pool manager status.',
    "        path: '{ @ }'",
    "        labels: { status: '{ .status }' }",
    '        values: { status: 1 }',
  );
  return `${lines.join('\n')}\n`;
}

// ---- load ----
/** A check per exporter: what its /probe answers when the probe failed (bench/lib/scrape.ts). */
const CHECK = {
  'pool-exporter': { kind: 'probe-success', metric: poolMetric.probeSuccess },
  // No probe_success: a failed fetch answers 503, a document that is not JSON 200 with an empty
  // body; every module of the generated config has this metric.
  json_exporter: { kind: 'has-sample', metric: 'grpc_pool_manager_status' },
} as const satisfies Record<string, AnswerCheck>;

function load(url: string, check: AnswerCheck, concurrency: number, opts: { maxMs: number; maxProbes: number; minProbes?: number; warmup: number }): Promise<ScrapeStats> {
  return scrapeUnderLoad(url, { check, scrapeTimeoutSeconds: 10, requestTimeoutMs: 30_000 }, { concurrency, ...opts });
}

// ---- run ----
function machineFacts(): string[] {
  const cpu = cpus()[0]?.model ?? 'unknown';
  const version = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]?.trim() ?? '';
    } catch {
      return 'unknown';
    }
  };
  const pkg = (name: string): string => (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return [
    `- date: ${new Date().toISOString()}`,
    `- nproc: ${cpus().length}; CPU: ${cpu}`,
    `- loadavg at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (the machine is shared: other work may run)`,
    `- Node.js ${process.version}; express ${pkg('express')}; prom-client ${pkg('prom-client')}`,
    `- json_exporter ${process.env.JSON_EXPORTER_VERSION ?? '(version not given: set JSON_EXPORTER_VERSION)'}, ${version('go', ['version', '-m', JSON_EXPORTER_BIN]).replace(/^.*: /, 'built with ')}`,
    `- measured seconds per concurrency level and exporter: ${SECONDS}; ${WARMUP_REQUESTS} warm-up probes before each`,
  ];
}

const JSON_EXPORTER_BIN = process.env.JSON_EXPORTER_BIN ?? '';

async function main(): Promise<void> {
  if (process.argv[2] === '--serve-payloads') {
    servePayloads(Number(process.argv[3]));
    return;
  }
  try {
    accessSync(JSON_EXPORTER_BIN, constants.X_OK);
  } catch {
    console.error(`bench:exporter needs json_exporter (Apache-2.0), built outside this repository; JSON_EXPORTER_BIN=${JSON.stringify(JSON_EXPORTER_BIN)} is not an executable.
Build v0.7.0 with Go >= 1.22 from the Go module proxy, for example:
  GOBIN=/opt/bench-bin go install github.com/prometheus-community/json_exporter@v0.7.0
or, where the proxy does not list its versions (go install then fails on the deprecation check):
  go mod download -json github.com/prometheus-community/json_exporter@v0.7.0   # prints its "Dir"
  (cd "<that Dir>" && go build -o /opt/bench-bin/json_exporter .)
then run:  JSON_EXPORTER_BIN=/opt/bench-bin/json_exporter JSON_EXPORTER_VERSION=v0.7.0 npm run bench:exporter`);
    process.exit(2);
  }

  const facts = machineFacts();
  const dir = await mkdtemp(join(tmpdir(), 'exporter-bench-'));
  const procs: RunningProcess[] = [];
  try {
    // Every child binds port 0 and prints the port it got (docs/testing.md).
    const payloadServer = await startListeningProcess({
      name: 'payload server',
      command: process.execPath,
      args: ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve-payloads', '0'],
      listening: /payload server listening on 127\.0\.0\.1:(\d+)/,
      readyPath: '/pools/6',
    });
    procs.push(payloadServer);
    const payloadPort = payloadServer.port;
    await writeFile(
      join(dir, 'pool-exporter.yml'),
      `body_size_limit: 8MiB\ntargets:\n${POOL_COUNTS.map((n) => `  pools-${n}:\n    url: http://127.0.0.1:${payloadPort}/pools/${n}\n    timeout: 30s\n`).join('')}`,
    );
    // Port 0: the exporter reports the port it bound.
    const poolExporter = await startReportingPort({
      name: 'pool-exporter',
      args: [join(REPO_ROOT, 'exporters/pool-exporter/src/main.ts'), '--config', join(dir, 'pool-exporter.yml'), '--listen', '127.0.0.1:0', '--log-level', 'warn'],
      cwd: REPO_ROOT,
      logDir: dir,
    });
    procs.push(poolExporter.proc);
    const ours = poolExporter.port;
    await writeFile(join(dir, 'json_exporter.yml'), jsonExporterConfig());
    const theirExporter = await startListeningProcess({
      name: 'json_exporter',
      command: JSON_EXPORTER_BIN,
      args: [`--config.file=${join(dir, 'json_exporter.yml')}`, '--web.listen-address=127.0.0.1:0', '--log.level=info'],
      listening: listeningLine.goExporterToolkit,
      readyPath: '/metrics',
    });
    procs.push(theirExporter);
    const theirs = theirExporter.port;
    const urlOf = {
      'pool-exporter': (n: number) => `http://127.0.0.1:${ours}/probe?target=pools-${n}`,
      json_exporter: (n: number) => `http://127.0.0.1:${theirs}/probe?module=pools${n}&target=${encodeURIComponent(`http://127.0.0.1:${payloadPort}/pools/${n}`)}`,
    };
    type Exporter = keyof typeof urlOf;

    // Both must read the same numbers before any timing counts.
    const seriesOf = async (e: Exporter, n: number): Promise<string[]> =>
      (await (await fetch(urlOf[e](n))).text()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const series: Record<string, number> = {};
    for (const e of Object.keys(urlOf) as Exporter[]) {
      for (const n of POOL_COUNTS) {
        const lines = await seriesOf(e, n);
        series[`${e}/${n}`] = lines.length;
        const ready = lines.find((l) => /connections(_ready\{|\{)/.test(l) && l.includes('"product-service"') && (e === 'json_exporter' || l.includes('state="ready"')));
        if (n === 6 && !ready?.endsWith(' 3')) throw new Error(`${e}: product-service ready connections are not 3 in ${JSON.stringify(lines.slice(0, 12))}`);
      }
    }

    const latency: { c: number; e: Exporter; s: ScrapeStats }[] = [];
    for (const c of CONCURRENCY) {
      const order: Exporter[] = c === 10 ? ['json_exporter', 'pool-exporter'] : ['pool-exporter', 'json_exporter'];
      for (const e of order) {
        const s = await load(urlOf[e](6), CHECK[e], c, { maxMs: SECONDS * 1000, maxProbes: MAX_REQUESTS, warmup: WARMUP_REQUESTS });
        latency.push({ c, e, s });
        console.log(`6 pools, ${c} concurrent: ${e} p50 ${s.p50Ms.toFixed(2)} ms p99 ${s.p99Ms.toFixed(2)} ms ${s.perSecond.toFixed(0)}/s (${s.succeeded} probes, ${s.errors} errors${s.firstFailure ? `, first: ${s.firstFailure}` : ''})`);
      }
    }
    const scaling: { n: number; e: Exporter; s: ScrapeStats }[] = [];
    for (const n of POOL_COUNTS) {
      for (const e of Object.keys(urlOf) as Exporter[]) {
        const s = await load(urlOf[e](n), CHECK[e], 1, { maxMs: SCALING_MAX_MS, maxProbes: SCALING_MAX_PROBES, minProbes: MIN_SCALING_PROBES, warmup: n === 600 ? 1 : 20 });
        scaling.push({ n, e, s });
        console.log(`${n} pools, 1 at a time: ${e} p50 ${s.p50Ms.toFixed(2)} ms (${s.succeeded} probes, ${s.errors} errors, ${s.bytes} bytes${s.firstFailure ? `, first: ${s.firstFailure}` : ''})`);
      }
    }
    const floorUrl = `http://127.0.0.1:${theirs}/probe?module=floor&target=${encodeURIComponent(`http://127.0.0.1:${payloadPort}/pools/6`)}`;
    const floor = await load(floorUrl, CHECK.json_exporter, 1, { maxMs: SCALING_MAX_MS, maxProbes: SCALING_MAX_PROBES, warmup: 20 });
    const floor50 = await load(floorUrl, CHECK.json_exporter, 50, { maxMs: SECONDS * 1000, maxProbes: MAX_REQUESTS, warmup: WARMUP_REQUESTS });
    console.log(`json_exporter floor (one metric), 6 pools: p50 ${floor.p50Ms.toFixed(2)} ms; at 50 concurrent ${floor50.perSecond.toFixed(0)}/s`);
    facts.push(`- loadavg at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    writeResults(facts, latency, scaling, series, floor, floor50);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function writeResults(
  facts: string[],
  latency: { c: number; e: string; s: ScrapeStats }[],
  scaling: { n: number; e: string; s: ScrapeStats }[],
  series: Record<string, number>,
  floor: ScrapeStats,
  floor50: ScrapeStats,
): void {
  const ratio = (a: number, b: number): string => (!Number.isFinite(a / b) ? '-' : a / b < 0.1 ? (a / b).toPrecision(2) : (a / b).toFixed(2));
  const failures = (rows: { e: string; s: ScrapeStats }[]): string[] =>
    rows.filter((r) => r.s.firstFailure !== undefined).map((r) => `${r.e}: ${r.s.errors} (first: ${r.s.firstFailure})`);
  const f = formatMs;
  const pick = <T extends { e: string; s: ScrapeStats }>(rows: T[], e: string, match: (r: T) => boolean): ScrapeStats | undefined => rows.find((r) => r.e === e && match(r))?.s;
  const out = [
    '<!-- bench:begin (written by `npm run bench:exporter`; edit outside the markers) -->',
    '### Machine',
    '',
    ...facts,
    '',
    '### Latency and throughput, 6 pools (the contract\'s healthy.json)',
    '',
    'Latencies and rates count successful probes only; a probe whose answer is not a success (pool exporter: `probe_success` not 1; json_exporter: not 200, or no sample) is an error.',
    '',
    '| concurrent scrapes | pool-exporter p50 / p99 (ms) | json_exporter p50 / p99 (ms) | p50 ratio (ours / theirs) | pool-exporter probes/s | json_exporter probes/s | errors (ours / theirs) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...CONCURRENCY.map((c) => {
      const a = pick(latency, 'pool-exporter', (r) => r.c === c);
      const b = pick(latency, 'json_exporter', (r) => r.c === c);
      if (!a || !b) return `| ${c} | - | - | - | - | - | - |`;
      return `| ${c} | ${f(a.p50Ms)} / ${f(a.p99Ms)} | ${f(b.p50Ms)} / ${f(b.p99Ms)} | ${ratio(a.p50Ms, b.p50Ms)} | ${a.perSecond.toFixed(0)} | ${b.perSecond.toFixed(0)} | ${a.errors} / ${b.errors} |`;
    }),
    '',
    '### Cost of one probe as the document grows (1 scrape at a time)',
    '',
    '| pools | pool-exporter p50 (ms) | json_exporter p50 (ms) | ratio (ours / theirs) | series pool-exporter / json_exporter | successful probes (ours / theirs) | errors (ours / theirs) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...POOL_COUNTS.map((n) => {
      const a = pick(scaling, 'pool-exporter', (r) => r.n === n);
      const b = pick(scaling, 'json_exporter', (r) => r.n === n);
      if (!a || !b) return `| ${n} | - | - | - | - | - | - |`;
      return `| ${n} | ${f(a.p50Ms)} | ${f(b.p50Ms)} | ${ratio(a.p50Ms, b.p50Ms)} | ${series[`pool-exporter/${n}`]} / ${series[`json_exporter/${n}`]} | ${a.succeeded} / ${b.succeeded} | ${a.errors} / ${b.errors} |`;
    }),
    `| 6, json_exporter with one metric only (its fixed cost per probe) | | ${f(floor.p50Ms)} | | | ${floor.succeeded} | ${floor.errors} |`,
    '',
    `json_exporter with one metric only, 50 concurrent scrapes: p50 ${f(floor50.p50Ms)} ms, p99 ${f(floor50.p99Ms)} ms, ${floor50.perSecond.toFixed(0)} probes/s, ${floor50.errors} errors (its engine on both cores, without the per-pool entries).`,
    '',
    `Errors in all: ${[...latency, ...scaling].reduce((sum, r) => sum + r.s.errors, 0) + floor.errors + floor50.errors}.`,
    ...failures([...latency, ...scaling, { e: 'json_exporter floor', s: floor }, { e: 'json_exporter floor, 50 concurrent', s: floor50 }]).map((line) => `- ${line}`),
    '<!-- bench:end -->',
  ].join('\n');
  let text = '';
  try {
    text = readFileSync(RESULT_FILE, 'utf8');
  } catch {
    text = '# Pool exporter benchmark\n\n<!-- bench:begin -->\n<!-- bench:end -->\n';
  }
  const begin = text.indexOf('<!-- bench:begin');
  const end = text.indexOf('<!-- bench:end -->');
  text = begin >= 0 && end > begin ? `${text.slice(0, begin)}${out}${text.slice(end + '<!-- bench:end -->'.length)}` : `${text}\n${out}\n`;
  writeFileSync(RESULT_FILE, text);
  console.log(`wrote ${fileURLToPath(RESULT_FILE)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
