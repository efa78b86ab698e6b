/**
 * `npm run loadtest -- <order|payment|e2e> [options] [-- k6 args]`: runs a k6 script with the
 * Prometheus remote-write output (native histograms) and a testid tag. Runner: a local k6, else
 * the pinned grafana/k6 image, else install instructions; `--harness` runs the Node test harness.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerK6Command, K6_IMAGE, localK6Command, renderCommand, scenarios, type Command, type InstanceSegment, type LoadtestPlan } from './lib/k6-command.ts';
import { createResultsDir } from './lib/results-dir.ts';
import { baselinePath, parseLoadtestArgs, shortcutsFromK6Args, type LoadtestArgs, type Runner } from './lib/loadtest-args.ts';
import { createInstanceDirs, instanceSegments, writeMergedSummary } from './lib/instances.ts';
import type { HarnessOptions } from '../tools/k6-harness/index.ts';
import { PUSH_FAILED_EXIT } from '../tools/k6-harness/exit-codes.ts';
import { checkRemoteWrite, markSummary, type RemoteWriteResult } from './lib/remote-write-check.ts';
import { loadDotEnv } from './stack/settings.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const INSTALL_HINT = `No k6 found: install k6 >= 1.0 (https://grafana.com/docs/k6/latest/set-up/install-k6/, e.g. the
Debian/Ubuntu package from Grafana's k6 apt repository, or 'brew install k6'), or start Docker so that
'docker run ${K6_IMAGE}' can be used. Without either, 'npm run loadtest -- <scenario> --harness'
runs the scripts in the Node test harness (a test tool, see docs/k6.md).`;

function has(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 15_000 });
  return result.status === 0;
}

function pickRunner(forced: Runner | null): Runner | null {
  if (forced) return forced;
  if (has(process.env.K6_BIN ?? 'k6', ['version'])) return 'k6';
  if (has('docker', ['info'])) return 'docker';
  return null;
}

function run(cmd: Command): Promise<number> {
  return new Promise((resolveExit) => {
    const child = spawn(cmd.command, cmd.args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...cmd.env } });
    child.on('error', (err) => {
      console.error(`loadtest: cannot start ${cmd.command}: ${err.message}`);
      resolveExit(2);
    });
    child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

/**
 * The run's exit code, completed: a failed remote write is marked in the summary and exits 3 (when
 * the run itself passed), and a summary that did not pass (a target without samples is not a
 * pass) exits 99 like a crossed threshold.
 */
async function finish(code: number, testid: string, remoteWrite: RemoteWriteResult): Promise<number> {
  const summary = await markSummary(resolve(repoRoot, 'results', testid), remoteWrite);
  if (!remoteWrite.ok) {
    console.error(`loadtest: remote write FAILED: ${remoteWrite.detail}`);
    return code !== 0 ? code : 3;
  }
  console.log(`loadtest: remote write ok: ${remoteWrite.detail}`);
  if (code === 0 && summary && !summary.passed) {
    console.error(`loadtest: results/${testid}/summary.md: not every target was evaluated and passed`);
    return 99;
  }
  return code;
}

async function main(): Promise<number> {
  loadDotEnv();
  const args = parseLoadtestArgs(process.argv.slice(2), process.env);
  const env: Record<string, string> = { PROFILE: args.profile, RUN_LABEL: args.label, TESTID: args.testid };
  // Unset ones keep the script's defaults (k6/lib/config.ts), so each default lives in one place.
  for (const name of ['API_PREFIX', 'DETAILED_LOGS', 'SKIP_AUTH', 'BASE_URL'] as const) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  if (args.baseUrl !== null) env.BASE_URL = args.baseUrl;
  if (args.baseline) {
    const path = baselinePath(args.baseline, repoRoot);
    if (!existsSync(path)) throw new Error(`--baseline ${args.baseline}: ${path} does not exist (run the baseline first, e.g. --label baseline --testid ${args.baseline})`);
    env.BASELINE_SUMMARY = path;
  }
  const plan: LoadtestPlan = { ...args, env };

  const runner = pickRunner(args.runner);
  if (runner === null) {
    console.error(INSTALL_HINT);
    return 2;
  }
  if (runner !== 'harness' && args.timeScale !== 1) {
    throw new Error(`--time-scale ${args.timeScale} only applies to the harness (runner here: ${runner}); k6 runs the profile as written`);
  }
  if (runner === 'harness') {
    const { shortcuts, rest } = shortcutsFromK6Args(args.k6Args);
    if (rest.length > 0) console.error(`loadtest: the harness ignores k6 arguments: ${rest.join(' ')}`);
    const options = (instance: InstanceSegment | null): HarnessOptions => ({
      script: resolve(repoRoot, scenarios[args.scenario]),
      env: instance ? { ...env, INSTANCE: instance.id } : env,
      testid: args.testid,
      profile: args.profile,
      remoteWriteUrl: args.remoteWriteUrl,
      timeScale: args.timeScale,
      cwd: repoRoot,
      shortcuts,
      ...(instance ? { tags: { instance: instance.id }, executionSegment: instance.segment, executionSegmentSequence: instance.sequence } : {}),
    });
    if (args.instances > 1) {
      const instances = instanceSegments(args.instances);
      return runInstances(args, instances, instances.map((instance) => harnessProcess(options(instance))));
    }
    if (args.dryRun) {
      console.log(`harness: runHarness(${JSON.stringify({ script: scenarios[args.scenario], env, testid: args.testid, remoteWriteUrl: args.remoteWriteUrl, timeScale: args.timeScale, shortcuts })})`);
      return 0;
    }
    const { runHarness } = await import('../tools/k6-harness/index.ts');
    createResultsDir(repoRoot, args.testid);
    const result = await runHarness(options(null));
    // k6 exits 99 when thresholds are crossed.
    const failed = result.remoteWrite.errors[0];
    const remoteWrite: RemoteWriteResult = failed
      ? { ok: false, detail: `${result.remoteWrite.errors.length} of the pushes to ${args.remoteWriteUrl} failed, the first: ${failed}` }
      : await checkRemoteWrite(args.remoteWriteUrl, args.testid, args.queryUrl);
    return finish(result.passed ? 0 : 99, args.testid, remoteWrite);
  }
  const command = (p: LoadtestPlan): Command =>
    runner === 'k6' ? localK6Command(p, process.env.K6_BIN ?? 'k6') : dockerK6Command(p, repoRoot, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
  if (args.instances > 1) {
    const instances = instanceSegments(args.instances);
    return runInstances(args, instances, instances.map((instance) => command({ ...plan, instance })));
  }
  const cmd = command(plan);
  console.log(`loadtest: ${renderCommand(cmd)}`);
  if (args.dryRun) return 0;
  // k6 (local, or the image run as this user) writes into a folder this user owns.
  createResultsDir(repoRoot, args.testid);
  const code = await run(cmd);
  return finish(code, args.testid, await checkRemoteWrite(args.remoteWriteUrl, args.testid, args.queryUrl));
}

/** A harness instance in its own process, as a k6 instance would be. */
function harnessProcess(options: HarnessOptions): Command {
  return { command: process.execPath, args: ['--import', 'tsx', resolve(repoRoot, 'tools/k6-harness/cli.ts'), JSON.stringify(options)], env: {} };
}

/**
 * Start every instance at once, wait for all, then merge their summaries (the merged one is what
 * finish() marks and judges). An instance that could not run (exit code other than 0 or 99)
 * leaves no merged summary: its code is the run's.
 */
async function runInstances(args: LoadtestArgs, instances: InstanceSegment[], commands: Command[]): Promise<number> {
  for (const [i, cmd] of commands.entries()) console.log(`loadtest: [${instances[i]?.id}] ${renderCommand(cmd)}`);
  if (args.dryRun) return 0;
  const dir = createResultsDir(repoRoot, args.testid);
  createInstanceDirs(dir, instances);
  const codes = await Promise.all(commands.map(run));
  // Harness instances exit PUSH_FAILED_EXIT when a push failed: they ran, so their summaries merge.
  const pushFailed = instances.filter((_, i) => codes[i] === PUSH_FAILED_EXIT).map((instance) => instance.id);
  const broken = codes.find((code) => code !== 0 && code !== 99 && code !== PUSH_FAILED_EXIT);
  if (broken !== undefined) {
    console.error(`loadtest: instance exit codes ${codes.join(', ')}: not every instance ran, so no merged summary`);
    return broken;
  }
  const merged = await writeMergedSummary(dir, instances);
  console.log(`loadtest: merged ${instances.length} instance summaries into ${dir}/summary.json (${merged.passed ? 'all thresholds pass' : 'thresholds crossed'})`);
  const remoteWrite: RemoteWriteResult =
    pushFailed.length > 0
      ? { ok: false, detail: `pushes to ${args.remoteWriteUrl} failed in instance(s) ${pushFailed.join(', ')} (their errors are above)` }
      : await checkRemoteWrite(args.remoteWriteUrl, args.testid, args.queryUrl);
  return finish(merged.passed ? 0 : 99, args.testid, remoteWrite);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`loadtest: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
