/**
 * `npm run loadtest -- e2e --runner k6` end to end without k6: K6_BIN is tests/k6/k6-stand-in.sh,
 * which runs the script in k6's engine (tools/k6-engine-check) and writes handleSummary's files
 * as k6 does, without creating their folder. loadtest creates results/<testid>/ first, so the
 * summary lands and `npm run report` reads it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { buildEngineCheck } from '../support/engine-check.ts';
import type { Comparison } from '../../scripts/lib/report.ts';
import { k6Custom } from '../../monitoring/config/metrics.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';

const repo = join(import.meta.dirname, '../..');
const standIn = join(repo, 'tests/k6/k6-stand-in.sh');

describe('npm run loadtest --runner k6 (stand-in K6_BIN: k6 engine check)', () => {
  const testid = `k6-runner-${Date.now()}`;
  let demo: DemoProcess;
  let env: NodeJS.ProcessEnv = {};
  before(async () => {
    const [bin, shop] = await Promise.all([buildEngineCheck(), startDemoProcess()]);
    demo = shop;
    env = { ...process.env, K6_BIN: standIn, K6_ENGINE_CHECK: bin };
  });
  after(async () => {
    await demo?.stop();
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
    // either way the summary must have been written and must agree with it.
    assert.ok(run.status === 0 || run.status === 99, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, new RegExp(`loadtest: .*k6-stand-in\\.sh run -o experimental-prometheus-rw --tag testid=${testid} `));
    const summary = JSON.parse(await readFile(join(repo, 'results', testid, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.passed, run.status === 0);
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
