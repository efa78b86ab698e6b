/**
 * The k6 test harness: runs a REAL k6 script file in Node with k6's semantics for what this suite
 * uses (VUs as worker threads, synchronous HTTP, checks, groups, custom metrics, thresholds,
 * setup/teardown/handleSummary, scenarios with ramping VUs) and streams the metrics to Prometheus
 * with k6's remote-write naming. TEST-ONLY: it lets the suite be verified where k6 is not
 * installed. Limits: docs/k6.md.
 */
import { rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleScript } from './bundle.ts';
import { MetricsStore, type SummaryData, type ThresholdResult } from './metrics-store.ts';
import type { MetricDef, Sample } from './protocol.ts';
import { RemoteOutput } from './remote-output.ts';
import type { RemoteWriteAuth } from '../remote-write-auth.ts';
import { ExecutionTuple } from './execution-segment.ts';
import { peakVus, plansFromOptions, segmentPlans, targetVus, withShortcuts, type Plan } from './scenarios.ts';
import { VuHandle, type VuReady } from './vu-handle.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';

export interface HarnessOptions {
  /** Path of the k6 script (.ts or .js). */
  script: string;
  /** __ENV for the script (k6 `-e`). PROFILE, TESTID are filled from the options below. */
  env?: Record<string, string>;
  /** Prometheus remote-write URL; omit to keep the metrics in process only. */
  remoteWriteUrl?: string;
  /**
   * Auth and extra headers for the remote write (as k6's K6_PROMETHEUS_RW_* variables give them).
   * Credentials: never pass them in a command line (tools/k6-harness/cli.ts reads them from its environment).
   */
  remoteWriteAuth?: RemoteWriteAuth;
  /** Test-wide `testid` tag and TESTID env. */
  testid?: string;
  /** PROFILE env (smoke or full). */
  profile?: string;
  /** Multiplies every duration of the script's scenarios (e.g. 0.1 runs a full profile 10x faster). */
  timeScale?: number;
  /** Remote-write push interval, default 5000 ms (k6's default). */
  pushIntervalMs?: number;
  /** Folder that handleSummary's relative paths are written under (k6: the working directory). */
  cwd?: string;
  /** Extra test-wide tags (k6 `--tag`). */
  tags?: Record<string, string>;
  /** Print handleSummary's stdout and VU errors. Default true. */
  print?: boolean;
  /** k6 `--execution-segment`: this instance's part of the test, e.g. "1/3:2/3" (default: all of it). */
  executionSegment?: string;
  /** k6 `--execution-segment-sequence`: all instances' segments, e.g. "0,1/3,2/3,1". */
  executionSegmentSequence?: string;
  /**
   * k6's execution shortcuts from the command line (`--vus`, `--iterations`, `--duration`): as in
   * k6, any of iterations/duration replaces the script's scenarios, stages and shortcuts.
   */
  shortcuts?: { vus?: number; iterations?: number; duration?: string };
}

export interface HarnessResult {
  /** All thresholds passed and setup ran. */
  passed: boolean;
  thresholds: ThresholdResult[];
  /** The data handed to handleSummary. */
  data: SummaryData;
  /** results/<testid>/summary.json as written by the script's handleSummary, when it wrote one. */
  summary: RunSummary | null;
  /** Files handleSummary wrote (absolute paths). */
  files: string[];
  stdout: string;
  /** Exceptions thrown by iterations (k6 logs them and goes on). */
  iterationErrors: string[];
  remoteWrite: { pushes: number; errors: string[] };
  startedAtMs: number;
  endedAtMs: number;
}

const TICK_MS = 1_000;

class VuPool {
  private readonly free: VuHandle[] = [];
  readonly all: VuHandle[] = [];
  constructor(private readonly spawn: (id: number) => VuHandle) {}

  async acquire(count: number): Promise<VuHandle[]> {
    const taken = this.free.splice(0, count);
    const fresh: VuHandle[] = [];
    while (taken.length + fresh.length < count) {
      const vu = this.spawn(this.all.length + 1);
      this.all.push(vu);
      fresh.push(vu);
    }
    await Promise.all(fresh.map((vu) => vu.ready));
    return [...taken, ...fresh];
  }

  release(vus: VuHandle[]): void {
    this.free.push(...vus);
    this.free.sort((a, b) => a.id - b.id);
  }
}

export async function runHarness(opts: HarnessOptions): Promise<HarnessResult> {
  const scriptPath = resolve(opts.script);
  const print = opts.print ?? true;
  const testid = opts.testid ?? opts.env?.TESTID;
  const env: Record<string, string> = { ...opts.env };
  if (opts.profile) env.PROFILE = opts.profile;
  if (testid) env.TESTID = testid;
  const testTags: Record<string, string> = { ...opts.tags, ...(testid ? { testid } : {}) };
  const cwd = opts.cwd ?? process.cwd();

  // Checked before any VU starts: a bad segment is the caller's mistake, not a test failure.
  const tuple = ExecutionTuple.parse(opts.executionSegment ?? '', opts.executionSegmentSequence ?? '');
  const store = new MetricsStore();
  const output = opts.remoteWriteUrl ? new RemoteOutput(opts.remoteWriteUrl, opts.pushIntervalMs ?? 5_000, opts.remoteWriteAuth) : null;
  const iterationErrors: string[] = [];
  let activeVus = 0;

  const record = (samples: Sample[]): void => {
    for (const sample of samples) {
      const tags = { ...testTags, ...sample.tags };
      const def = store.add({ ...sample, tags });
      output?.add(def, tags, sample.value, sample.time);
    }
  };
  const events = { samples: (_vu: number, samples: Sample[]) => record(samples), metric: (def: MetricDef) => store.define(def) };

  const bundle = await bundleScript(scriptPath);
  // k6 numbers VUs per instance (__VU) and across the test (vu.idInTest, by the segment's stripe).
  const spawn = (id: number): VuHandle => new VuHandle(id, bundle, scriptPath, env, events, id === 0 ? 0 : tuple.indexInTest(id - 1) + 1);
  const vu0 = spawn(0);
  const pool = new VuPool(spawn);
  try {
    let init: VuReady;
    try {
      init = await vu0.ready;
    } catch (err) {
      throw new Error(`k6 harness: ${scriptPath} failed in the init context: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const def of init.metrics) store.define(def);
    // Built-in gauges the main thread emits (thresholds may name them).
    store.define({ name: 'vus', type: 'gauge', contains: 'default' });
    store.define({ name: 'vus_max', type: 'gauge', contains: 'default' });
    const options = (init.options ?? {}) as Record<string, unknown>;
    store.setThresholds(options.thresholds);
    Object.assign(testTags, (options.tags ?? {}) as Record<string, string>, opts.tags, testid ? { testid } : {});
    const trendStats = Array.isArray(options.summaryTrendStats) ? (options.summaryTrendStats as string[]) : ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
    const plans = segmentPlans(plansFromOptions(withShortcuts(options, opts.shortcuts), opts.timeScale ?? 1), tuple);
    for (const plan of plans) {
      if (!init.exports.includes(plan.exec)) throw new Error(`k6 harness: scenario ${plan.name} runs ${plan.exec}(), which ${scriptPath} does not export`);
    }
    // k6 initialises every VU the plans hold at once (vus_max) before the test starts; the test
    // run's duration counts from there.
    const initial = await pool.acquire(peakVus(plans));
    pool.release(initial);
    const startedAtMs = Date.now();

    output?.start();
    const ticker = setInterval(() => {
      const now = Date.now();
      for (const def of [
        { name: 'vus', value: activeVus },
        { name: 'vus_max', value: pool.all.length },
      ]) {
        record([{ metric: def.name, value: def.value, tags: {}, time: now }]);
      }
    }, TICK_MS);

    let setupJson: string | null = null;
    let setupError: string | null = null;
    if (init.exports.includes('setup')) {
      const result = await vu0.call('setup', null);
      setupError = result.error;
      setupJson = result.resultJson;
    }
    if (setupError === null) {
      const t0 = Date.now();
      await Promise.all(
        plans.map(async (plan) => {
          await sleep(Math.max(0, t0 + plan.startMs - Date.now()));
          const vus = await pool.acquire(plan.maxVus);
          const hardStop = setTimeout(() => vus.forEach((vu) => vu.busy && vu.interrupt()), Math.max(0, t0 + plan.startMs + plan.durationMs + plan.gracefulStopMs - Date.now()));
          try {
            await runPlan(plan, vus, setupJson, iterationErrors, (delta) => (activeVus += delta));
          } finally {
            clearTimeout(hardStop);
            pool.release(vus);
          }
        }),
      );
    } else {
      iterationErrors.push(setupError);
    }
    if (setupError === null && init.exports.includes('teardown')) {
      const result = await vu0.call('teardown', setupJson);
      if (result.error) iterationErrors.push(result.error);
    }
    clearInterval(ticker);
    record([
      { metric: 'vus', value: 0, tags: {}, time: Date.now() },
      { metric: 'vus_max', value: pool.all.length, tags: {}, time: Date.now() },
    ]);

    const endedAtMs = Date.now();
    const durationMs = endedAtMs - startedAtMs;
    const thresholds = store.evaluate(durationMs);
    const data = store.summary(durationMs, trendStats, thresholds);
    await output?.stop();

    const files: string[] = [];
    let stdout = '';
    let summary: RunSummary | null = null;
    if (init.exports.includes('handleSummary')) {
      const result = await vu0.call('handleSummary', JSON.stringify(data));
      if (result.error) throw new Error(`k6 harness: handleSummary failed: ${result.error}`);
      const outputs = (result.resultJson ? JSON.parse(result.resultJson) : {}) as Record<string, unknown>;
      for (const [path, content] of Object.entries(outputs)) {
        const text = typeof content === 'string' ? content : JSON.stringify(content);
        if (path === 'stdout' || path === 'stderr') {
          stdout += text;
          continue;
        }
        const full = isAbsolute(path) ? path : join(cwd, path);
        // Like k6 (internal/cmd/run.go): open the file, never create its folder; the runner
        // (npm run loadtest, the compose job) creates results/<testid>/ first.
        try {
          await writeFile(full, text);
        } catch (err) {
          throw new Error(`k6 harness: failed to handle the end-of-test summary: could not open '${path}': ${err instanceof Error ? err.message : String(err)}`);
        }
        files.push(full);
        if (full.endsWith('summary.json')) summary = JSON.parse(text) as RunSummary;
      }
    } else {
      stdout = defaultSummary(data, thresholds);
    }
    if (print) {
      process.stdout.write(stdout);
      for (const error of iterationErrors.slice(0, 5)) console.error(`[k6 harness] ${error}`);
      if (iterationErrors.length > 5) console.error(`[k6 harness] ... ${iterationErrors.length - 5} more iteration errors`);
      for (const error of output?.errors.slice(0, 3) ?? []) console.error(`[k6 harness] remote write: ${error}`);
    }
    return {
      passed: setupError === null && thresholds.every((t) => t.ok),
      thresholds,
      data,
      summary,
      files,
      stdout,
      iterationErrors,
      remoteWrite: { pushes: output?.pushes ?? 0, errors: output?.errors ?? [] },
      startedAtMs,
      endedAtMs,
    };
  } finally {
    await output?.stop();
    await Promise.all([vu0, ...pool.all].map((vu) => vu.terminate()));
    await rm(dirname(bundle), { recursive: true, force: true });
  }
}

async function runPlan(
  plan: Plan,
  vus: VuHandle[],
  setupJson: string | null,
  errors: string[],
  countActive: (delta: number) => void,
): Promise<void> {
  const start = Date.now();
  const end = start + plan.durationMs;
  // Iterations all VUs started in this plan: k6's scenario.iterationInTest, and the count that
  // shared-iterations VUs take from.
  let started = 0;
  await Promise.all(
    vus.map(async (vu, index) => {
      let done = 0;
      let active = false;
      const setActive = (on: boolean): void => {
        if (on !== active) countActive(on ? 1 : -1);
        active = on;
      };
      while (Date.now() < end) {
        if (plan.executor === 'per-vu-iterations' && done >= plan.iterations) break;
        if (plan.executor === 'shared-iterations' && started >= plan.iterations) break;
        if (index >= targetVus(plan, Date.now() - start)) {
          setActive(false);
          await sleep(Math.min(50, Math.max(1, end - Date.now())));
          continue;
        }
        setActive(true);
        const inInstance = started++;
        const at = {
          scenario: plan.name,
          exec: plan.exec,
          executor: plan.executor,
          tags: plan.tags,
          env: plan.env,
          iterationInScenario: done,
          iterationInTest: plan.segment.iterations.indexInTest(inInstance),
          iterationInInstance: inInstance,
        };
        const result = await vu.call('iterate', setupJson, at);
        done += 1;
        if (result.error) errors.push(result.error);
        if (result.interrupted) break;
      }
      setActive(false);
    }),
  );
}

function defaultSummary(data: SummaryData, thresholds: ThresholdResult[]): string {
  const lines = Object.entries(data.metrics)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, m]) => `  ${name.padEnd(40)} ${Object.entries(m.values).map(([k, v]) => `${k}=${Number(v.toFixed(3))}`).join(' ')}`);
  const failed = thresholds.filter((t) => !t.ok).map((t) => `  ✗ ${t.key}: ${t.expression} (measured ${t.measured})`);
  return `${lines.join('\n')}\n${failed.length ? `thresholds crossed:\n${failed.join('\n')}\n` : 'all thresholds passed\n'}`;
}
