/**
 * The k6 scripts in k6's own engine (tools/k6-engine-check: sobek and esbuild at the versions
 * k6 v1.3.0 pins, k6's type stripping and module resolution, k6 module stand-ins with real HTTP
 * to the demo shop): the three scripts run init, setup(), iterations and handleSummary() green;
 * copies broken the way Node forgives and k6 does not (an import without .ts, `new URL`) fail.
 * Then `npm run loadtest -- e2e --runner k6` end to end without k6: K6_BIN is
 * tests/k6/k6-stand-in.sh, which runs the script in the engine check and writes handleSummary's
 * files as k6 does, without creating their folder; loadtest creates results/<testid>/ first, so
 * the summary lands and `npm run report` reads it. One demo shop serves both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { buildEngineCheck, engineCheckDir } from '../support/engine-check.ts';
import { createResultsDir } from '../../scripts/lib/results-dir.ts';
import { k6Custom } from '../../contract/metrics.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import type { Comparison } from '../../scripts/lib/report.ts';

const repo = join(import.meta.dirname, '../..');
const scripts = ['order-creation-test', 'payment-processing-test', 'end-to-end-test'];
const standIn = join(repo, 'tests/k6/k6-stand-in.sh');

let bin = '';
let demo: DemoProcess;
let work = '';
before(async () => {
  [bin, demo, work] = await Promise.all([buildEngineCheck(), startDemoProcess(), mkdtemp(join(tmpdir(), 'k6-engine-'))]);
});
after(async () => {
  await demo?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('k6 engine check (k6 v1.3.0 engine: sobek + esbuild, k6 module resolution)', () => {
  function check(script: string, opts: { cwd: string; testid: string; env?: Record<string, string> }) {
    const env = { BASE_URL: demo.baseUrl, PROFILE: 'smoke', TESTID: opts.testid, ...opts.env };
    const args = [...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), script];
    return spawnSync(bin, args, { cwd: opts.cwd, encoding: 'utf8', timeout: 120_000 });
  }

  /** A copy of k6/, contract/ and monitoring/ (what the scripts import) to break on purpose. */
  async function copyOfScripts(name: string): Promise<string> {
    const root = join(work, name);
    await cp(join(repo, 'k6'), join(root, 'k6'), { recursive: true });
    await cp(join(repo, 'contract'), join(root, 'contract'), { recursive: true });
    await cp(join(repo, 'monitoring'), join(root, 'monitoring'), { recursive: true, filter: (src) => !src.includes('/grafana/') });
    return root;
  }

  for (const script of scripts) {
    it(`runs ${script} green: init, setup, iterations on two VUs, handleSummary's files`, async () => {
      const testid = `engine-${script}`;
      createResultsDir(work, testid);
      const out = check(join(repo, 'k6', `${script}.ts`), { cwd: work, testid });
      assert.equal(out.status, 0, `${out.stdout}\n${out.stderr}`);
      // Crossed latency thresholds are reported, not errors: a busy machine may cross them.
      assert.match(out.stderr, new RegExp(`^ok .*${script}\\.ts( \\(thresholds crossed: .*\\))?$`, 'm'));
      const summary = JSON.parse(await readFile(join(work, 'results', testid, 'summary.json'), 'utf8')) as RunSummary;
      assert.equal(summary.testid, testid);
      assert.equal(summary.profile, 'smoke');
      // Every check passed and no request failed: the stand-in k6/http really talked to the shop.
      assert.equal(summary.metrics.checks?.values.rate, 1);
      assert.equal(summary.metrics[k6Custom.errors]?.values.rate, 0);
      assert.ok((summary.metrics.http_reqs?.values.count ?? 0) > 0);
      assert.ok(summary.targets.length >= 5);
      assert.match(await readFile(join(work, 'results', testid, 'summary.md'), 'utf8'), /\| What \| Target \| Measured \| Result \|/);
    });
  }

  it('fails on a local import without .ts (k6 guesses no extension)', async () => {
    const root = await copyOfScripts('extensionless');
    const file = join(root, 'k6/end-to-end-test.ts');
    const source = await readFile(file, 'utf8');
    assert.ok(source.includes("from './lib/config.ts'"));
    await writeFile(file, source.replace("from './lib/config.ts'", "from './lib/config'"));
    createResultsDir(root, 'extensionless');
    const out = check(file, { cwd: root, testid: 'extensionless' });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, /FAIL .*end-to-end-test\.ts: init context: .*The moduleSpecifier "\.\/lib\/config" couldn't be found on local disk/);
  });

  it('fails on new URL(...) (a Node/browser global k6 does not have)', async () => {
    const root = await copyOfScripts('url-global');
    const file = join(root, 'k6/lib/config.ts');
    await writeFile(file, `${await readFile(file, 'utf8')}\nexport const gateway = new URL(config.baseUrl);\n`);
    createResultsDir(root, 'url-global');
    const out = check(join(root, 'k6/order-creation-test.ts'), { cwd: root, testid: 'url-global' });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, /init context: ReferenceError: URL is not defined/);
  });

  it('fails like k6 when results/<testid>/ does not exist: handleSummary files are opened, never their folder created', () => {
    const out = check(join(repo, 'k6/payment-processing-test.ts'), { cwd: work, testid: 'no-folder' });
    assert.equal(out.status, 1);
    assert.match(out.stderr, /failed to handle the end-of-test summary: could not open 'results\/no-folder\/summary\.json'/);
  });

  it('passes its own go vet and go test (percentiles, resolution, type stripping, thresholds)', () => {
    for (const args of [['vet', '.'], ['test', '.']]) {
      const out = spawnSync('go', args, { cwd: engineCheckDir, encoding: 'utf8', timeout: 600_000 });
      assert.equal(out.status, 0, `go ${args.join(' ')}: ${out.stdout}${out.stderr}`);
    }
  });

  it("refuses metric names k6 refuses, and a bare package import", async () => {
    const dir = join(work, 'small');
    await cp(join(repo, 'tests/k6/fixtures/bad-metric-name.ts'), join(dir, 'bad-metric-name.ts'));
    await writeFile(join(dir, 'bare.js'), "import lodash from 'lodash';\nexport default function () { lodash.noop(); }\n");
    const bad = spawnSync(bin, [join(dir, 'bad-metric-name.ts')], { cwd: dir, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /Invalid metric name: "pool-time-saved"/);
    const good = spawnSync(bin, ['-e', 'METRIC_NAME=pool_time_saved', join(dir, 'bad-metric-name.ts')], { cwd: dir, encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
    const bare = spawnSync(bin, [join(dir, 'bare.js')], { cwd: dir, encoding: 'utf8' });
    assert.equal(bare.status, 1);
    assert.match(bare.stderr, /The moduleSpecifier "lodash" couldn't be recognized as something k6 supports/);
  });
});

describe('npm run loadtest --runner k6 (stand-in K6_BIN: k6 engine check)', () => {
  const testid = `k6-runner-${Date.now()}`;
  let env: NodeJS.ProcessEnv = {};
  before(() => {
    env = { ...process.env, K6_BIN: standIn, K6_ENGINE_CHECK: bin };
  });
  after(async () => {
    await rm(join(repo, 'results', testid), { recursive: true, force: true });
  });

  it('the stand-in fails as k6 would when nothing created results/<testid>/', () => {
    const out = spawnSync(standIn, ['run', '-e', `BASE_URL=${demo.baseUrl}`, '-e', 'PROFILE=smoke', '-e', `TESTID=${testid}`, 'k6/end-to-end-test.ts'], { cwd: repo, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, new RegExp(`could not open 'results/${testid}/summary\\.json'`));
    assert.equal(existsSync(join(repo, 'results', testid)), false);
  });

  it('loadtest creates results/<testid>/, k6 writes the summary there, and the report reads it', async () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(repo, 'scripts/loadtest.ts'), 'e2e', '--runner', 'k6', '--profile', 'smoke', '--testid', testid, '--base-url', demo.baseUrl],
      { cwd: repo, env, encoding: 'utf8', timeout: 180_000 },
    );
    // k6's exit code: 0, or 99 when a latency threshold was crossed (a busy machine can do that);
    // either way the summary must have been written and must agree with it. The stand-in pushes
    // no metrics, so loadtest's remote-write check fails the run: 3 instead of 0 (99 stays 99).
    assert.ok(run.status === 3 || run.status === 99, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /loadtest: remote write FAILED/);
    assert.match(run.stdout, new RegExp(`loadtest: .*k6-stand-in\\.sh run -o experimental-prometheus-rw --tag testid=${testid} `));
    const summary = JSON.parse(await readFile(join(repo, 'results', testid, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.passed, run.status === 3);
    assert.equal(summary.remoteWrite?.ok, false);
    assert.match(run.stdout, summary.passed ? /Overall: \*\*PASS\*\*/ : /Overall: \*\*FAIL\*\*/);
    // Function, not speed: every check passed and no request failed.
    assert.equal(summary.metrics.checks?.values.rate, 1);
    assert.equal(summary.metrics.http_req_failed?.values.rate, 0);
    assert.equal(summary.testid, testid);
    assert.equal(summary.script, 'end-to-end-test');
    assert.ok(existsSync(join(repo, 'results', testid, 'summary.md')));

    const report = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts/report.ts'), testid, testid, '--json'], { cwd: repo, encoding: 'utf8' });
    assert.equal(report.status, 0, report.stderr);
    const comparison = JSON.parse(report.stdout) as Comparison;
    const order = comparison.rows.find((row) => row.key === 'orderService');
    const p95 = summary.metrics[k6Custom.orderServiceLatency]?.values['p(95)'];
    assert.ok(p95 !== undefined && p95 > 0, 'the run measured order latency');
    assert.equal(order?.pooledP95Ms, p95);
  });
});
