/**
 * The script the k6-operator TestRun runs is the ConfigMap's bundle, not the repository's .ts
 * files: run that bundle in k6's own engine (tools/k6-engine-check) against the demo shop, as one
 * runner pod would (INSTANCE set to its pod name), and check what it measured and where its
 * summary went.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildEngineCheck } from '../support/engine-check.ts';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { createResultsDir } from '../../scripts/lib/results-dir.ts';
import { kubernetes } from '../../monitoring/config/kubernetes.ts';
import { k6Custom } from '../../contract/metrics.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';

interface Obj {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { script: { configMap: { name: string; file: string } } };
}

describe('the TestRun script (the bundle in the k6-scripts ConfigMap) in k6 v1.3.0 engine', () => {
  let bin = '';
  let demo: DemoProcess;
  let work = '';
  before(async () => {
    [bin, demo, work] = await Promise.all([buildEngineCheck(), startDemoProcess(), mkdtemp(join(tmpdir(), 'k6-testrun-'))]);
  });
  after(async () => {
    await demo?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('runs green and writes the runner instance summary', async () => {
    const docs = parseAllDocuments(readFileSync(join(import.meta.dirname, '../../deploy/kubernetes/k6-testrun.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
    const run = docs.find((d) => d.kind === 'TestRun');
    const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === run?.spec?.script.configMap.name);
    const file = run?.spec?.script.configMap.file ?? '';
    const bundle = configMap?.data?.[file];
    assert.ok(bundle, 'the TestRun names a file of its ConfigMap');
    await writeFile(join(work, file), bundle);
    const testid = kubernetes.k6.testid;
    const pod = `${testid}-1-abcde`;
    createResultsDir(work, testid);
    await mkdir(join(work, 'results', testid, 'instances', pod), { recursive: true });
    const env = { BASE_URL: demo.baseUrl, PROFILE: 'smoke', TESTID: testid, INSTANCE: pod };
    const out = spawnSync(bin, [...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), join(work, file)], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    assert.equal(out.status, 0, `${out.stdout}\n${out.stderr}`);
    const summary = JSON.parse(await readFile(join(work, 'results', testid, 'instances', pod, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.instance, pod);
    assert.equal(summary.metrics.checks?.values.rate, 1);
    assert.equal(summary.metrics[k6Custom.errors]?.values.rate, 0);
    assert.ok((summary.metrics[k6Custom.fullFlowSuccess]?.values.count ?? 0) > 0);
  });
});
