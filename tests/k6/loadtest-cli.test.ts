/**
 * `npm run loadtest`: the exact k6 and docker command lines (k6 is not installable here, so they
 * are checked with --dry-run), the install hint when neither exists, argument errors, and a real
 * `--harness` run against the demo shop.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { K6_IMAGE } from '../../scripts/lib/k6-command.ts';
import type { Comparison } from '../../scripts/lib/report.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import { k6Custom } from '../../contract/metrics.ts';
import { startPrometheus } from '../support/prometheus.ts';

const repo = join(import.meta.dirname, '../..');

function loadtest(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts/loadtest.ts'), ...args], { encoding: 'utf8', cwd: repo, env, timeout: 120_000 });
}

describe('npm run loadtest', () => {
  const stamp = Date.now();
  const baselineId = `cli-baseline-${stamp}`;
  const harnessId = `cli-harness-${stamp}`;
  let demo: DemoProcess;
  before(async () => {
    await mkdir(join(repo, 'results', baselineId), { recursive: true });
    await writeFile(join(repo, 'results', baselineId, 'summary.json'), '{}');
    demo = await startDemoProcess();
  });
  after(async () => {
    await demo?.stop();
    await rm(join(repo, 'results', baselineId), { recursive: true, force: true });
    await rm(join(repo, 'results', harnessId), { recursive: true, force: true });
  });

  it('builds the k6 command: remote-write output with native histograms, testid tag, env, k6 args unchanged', () => {
    const out = loadtest(['e2e', '--profile', 'smoke', '--testid', 'run-1', '--runner', 'k6', '--base-url', 'http://127.0.0.1:8000', '--dry-run', '--', '--vus', '3', '--summary-export=x.json']);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(
      out.stdout.trim(),
      'loadtest: K6_PROMETHEUS_RW_SERVER_URL=http://127.0.0.1:9090/api/v1/write K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true ' +
        'k6 run -o experimental-prometheus-rw --tag testid=run-1 -e PROFILE=smoke -e RUN_LABEL=pooled -e TESTID=run-1 ' +
        '-e BASE_URL=http://127.0.0.1:8000 --vus 3 --summary-export=x.json k6/end-to-end-test.ts\n' +
        "loadtest: after the run, checks the run's series at http://127.0.0.1:9090/api/v1/query",
    );
  });

  it('--instances 3 builds three k6 commands: one testid, an instance tag and execution segment each', () => {
    const out = loadtest(['e2e', '--profile', 'smoke', '--testid', 'run-3', '--runner', 'k6', '--base-url', 'http://127.0.0.1:8000', '--instances', '3', '--dry-run']);
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[3], "loadtest: after the run, checks the run's series at http://127.0.0.1:9090/api/v1/query");
    for (const [i, segment] of ['0:1/3', '1/3:2/3', '2/3:1'].entries()) {
      assert.equal(
        lines[i],
        `loadtest: [k6-${i + 1}] K6_PROMETHEUS_RW_SERVER_URL=http://127.0.0.1:9090/api/v1/write K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true ` +
          `k6 run -o experimental-prometheus-rw --tag testid=run-3 --tag instance=k6-${i + 1} --execution-segment ${segment} --execution-segment-sequence 0,1/3,2/3,1 ` +
          `-e PROFILE=smoke -e RUN_LABEL=pooled -e TESTID=run-3 -e BASE_URL=http://127.0.0.1:8000 -e INSTANCE=k6-${i + 1} k6/end-to-end-test.ts`,
      );
    }
    for (const [args, error] of [
      [['--instances', '0'], /--instances 0: a positive integer is required/],
      [['--instances', '2', '--', '--execution-segment', '0:1/2'], /--instances sets the execution segments/],
    ] as const) {
      const bad = loadtest(['e2e', '--runner', 'k6', '--dry-run', ...args]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, error);
    }
  });

  it('builds the docker command: pinned image, host network, repo mounted, baseline path mapped into the container', () => {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const out = loadtest(['order', '--label', 'pooled', '--testid', 'run-2', '--baseline', baselineId, '--runner', 'docker', '--remote-write', 'http://127.0.0.1:19090/api/v1/write', '--base-url', 'http://127.0.0.1:8000', '--dry-run']);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(
      out.stdout.trim(),
      `loadtest: docker run --rm --network host --user ${uid}:${gid} -v ${repo}:/src -w /src ` +
        `-e K6_PROMETHEUS_RW_SERVER_URL=http://127.0.0.1:19090/api/v1/write -e K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true ${K6_IMAGE} ` +
        `run -o experimental-prometheus-rw --tag testid=run-2 -e PROFILE=full -e RUN_LABEL=pooled -e TESTID=run-2 ` +
        `-e BASE_URL=http://127.0.0.1:8000 -e BASELINE_SUMMARY=/src/results/${baselineId}/summary.json k6/order-creation-test.ts\n` +
        "loadtest: after the run, checks the run's series at http://127.0.0.1:19090/api/v1/query",
    );
  });

  it('creates results/<testid>/ before it starts the k6 image, which cannot create it', async () => {
    // A docker stand-in first on PATH: succeeds only if the folder k6 will write into exists and
    // is writable by the user the container runs as (--user is the caller's uid).
    const bin = await mkdtemp(join(tmpdir(), 'docker-stand-in-'));
    const id = `cli-docker-${stamp}`;
    await writeFile(
      join(bin, 'docker'),
      [
        '#!/bin/sh',
        'for a in "$@"; do case "$a" in testid=*) id="${a#testid=}" ;; esac; done',
        'if [ -d "results/$id" ] && [ -w "results/$id" ]; then echo "docker stand-in: results/$id is ready"; exit 0; fi',
        'echo "docker stand-in: results/$id is missing" >&2; exit 1',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    try {
      const out = loadtest(['order', '--runner', 'docker', '--testid', id, '--remote-write', 'http://127.0.0.1:1/api/v1/write'], { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
      assert.match(out.stdout, new RegExp(`docker stand-in: results/${id} is ready`), out.stderr);
      // The stand-in pushed nothing: after the run, the remote-write check says so and exits 3.
      assert.equal(out.status, 3, `${out.stdout}\n${out.stderr}`);
      assert.match(out.stderr, /loadtest: remote write FAILED: cannot ask Prometheus whether the metrics arrived/);
    } finally {
      await rm(bin, { recursive: true, force: true });
      await rm(join(repo, 'results', id), { recursive: true, force: true });
    }
  });

  it('says how to install k6 when there is neither k6 nor a Docker daemon', () => {
    const out = loadtest(['order'], { ...process.env, PATH: '/nonexistent', K6_BIN: '/nonexistent/k6' });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /No k6 found: install k6 >= 1\.0/);
    assert.match(out.stderr, /--harness/);
  });

  it('rejects bad arguments with the usage', () => {
    const cases: [string[], RegExp][] = [
      [['checkout'], /loadtest: expected exactly one scenario \(order, payment or e2e\), got \["checkout"\]/],
      [['order', '--profile', 'huge'], /loadtest: --profile huge: expected smoke or full/],
      [['order', '--bogus'], /loadtest: unknown option --bogus \(k6 options go after --\)/],
      [['order', '--baseline', 'no-such-run', '--dry-run', '--runner', 'k6'], /loadtest: --baseline no-such-run: .*results\/no-such-run\/summary\.json does not exist/],
      [['order', '--time-scale', '0.1', '--dry-run', '--runner', 'docker'], /loadtest: --time-scale 0\.1 only applies to the harness \(runner here: docker\)/],
    ];
    for (const [args, message] of cases) {
      const out = loadtest(args);
      assert.equal(out.status, 2, args.join(' '));
      assert.match(out.stderr, message);
    }
  });

  it('--harness runs the script against the demo shop, writes results/<testid>/, and fails the run when the remote write failed', async () => {
    const out = loadtest(['payment', '--harness', '--profile', 'smoke', '--testid', harnessId, '--base-url', demo.baseUrl, '--remote-write', 'http://127.0.0.1:1/api/v1/write']);
    // Prometheus is not there: the run completes, says so, and does not exit 0 (k6 itself would).
    assert.notEqual(out.status, 0, `${out.stdout}\n${out.stderr}`);
    assert.match(out.stderr, /loadtest: remote write FAILED: \d+ of the pushes to http:\/\/127\.0\.0\.1:1\/api\/v1\/write failed/);
    const md = await readFile(join(repo, 'results', harnessId, 'summary.md'), 'utf8');
    assert.match(md, /Remote write: \*\*FAILED\*\*/);
    assert.match(md, /No check failed\./);
    const summary = JSON.parse(await readFile(join(repo, 'results', harnessId, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.remoteWrite?.ok, false);
    assert.deepEqual(summary.failingChecks, []);
  });

  it('--harness with a Prometheus that receives: the check finds the run\'s series', async () => {
    const prom = await startPrometheus();
    const id = `cli-rw-${stamp}`;
    try {
      const out = loadtest(['order', '--harness', '--profile', 'smoke', '--testid', id, '--base-url', demo.baseUrl, '--remote-write', `${prom.url}/api/v1/write`]);
      assert.match(out.stdout, new RegExp(`loadtest: remote write ok: \\d+ k6_http_reqs_total series for testid ${id}`), `${out.stdout}\n${out.stderr}`);
      // 0, or 99 when a latency target was missed on a busy machine; never the remote-write code.
      assert.ok(out.status === 0 || out.status === 99, `exit ${out.status}`);
      const summary = JSON.parse(await readFile(join(repo, 'results', id, 'summary.json'), 'utf8')) as RunSummary;
      assert.equal(summary.remoteWrite?.ok, true);
      assert.equal(out.status === 0, summary.passed);
    } finally {
      await prom.stop();
      await rm(join(repo, 'results', id), { recursive: true, force: true });
    }
  });

  it("defaults the remote write to the stack's Prometheus: PROMETHEUS_PORT moves it", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PROMETHEUS_PORT: '19191' };
    delete env.K6_PROMETHEUS_RW_SERVER_URL;
    const out = loadtest(['e2e', '--runner', 'k6', '--testid', 'run-3', '--dry-run'], env);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^loadtest: K6_PROMETHEUS_RW_SERVER_URL=http:\/\/127\.0\.0\.1:19191\/api\/v1\/write /);
    const bad = loadtest(['e2e', '--runner', 'k6', '--dry-run'], { ...env, PROMETHEUS_PORT: 'ninety' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /PROMETHEUS_PORT must be a TCP port/);
  });

  it('writes a summary.json that the report can read', async () => {
    const summary = JSON.parse(await readFile(join(repo, 'results', harnessId, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.testid, harnessId);
    assert.equal(summary.script, 'payment-processing-test');
    assert.equal(summary.metrics.checks?.values.rate, 1);
    // The run against itself: the report reads it, finds its payment p95 and no regression.
    const report = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts/report.ts'), harnessId, harnessId, '--json'], { encoding: 'utf8', cwd: repo });
    assert.equal(report.status, 0, report.stderr);
    const comparison = JSON.parse(report.stdout) as Comparison;
    const payment = comparison.rows.find((row) => row.key === 'paymentService');
    const p95 = summary.metrics[k6Custom.paymentServiceLatency]?.values['p(95)'];
    assert.ok(p95 !== undefined && p95 > 0);
    assert.equal(payment?.pooledP95Ms, p95);
    assert.equal(payment?.speedup, 1);
  });
});
