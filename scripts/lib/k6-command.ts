/**
 * The command line `npm run loadtest` runs: a local k6 binary, or the pinned grafana/k6 image.
 * Pure functions (no process spawning), so the exact command is testable without k6 installed.
 */
import { isAbsolute, join, relative } from 'node:path';
import { isSecretK6Env, k6RemoteWriteEnv, MASK, type RemoteWriteAuth } from '../../tools/remote-write-auth.ts';

/** k6 >= 1.0 runs TypeScript directly and ships the experimental-prometheus-rw output. */
export const K6_IMAGE = 'grafana/k6:1.3.0';

export { scenarios, type ScenarioName } from '../../monitoring/config/k6-scenarios.ts';
import { scenarios, type ScenarioName } from '../../monitoring/config/k6-scenarios.ts';

export interface LoadtestPlan {
  scenario: ScenarioName;
  profile: 'full' | 'smoke';
  label: 'pooled' | 'baseline';
  testid: string;
  /** Script env (k6 `-e`): BASE_URL, API_PREFIX, ..., BASELINE_SUMMARY as an absolute path. */
  env: Record<string, string>;
  remoteWriteUrl: string;
  /** Auth and extra headers of the remote write: k6's K6_PROMETHEUS_RW_USERNAME, _PASSWORD, _BEARER_TOKEN, _HEADERS_<Name>. */
  remoteWriteAuth?: RemoteWriteAuth;
  /** Passed to k6 unchanged (after `--`). */
  k6Args: string[];
  /** Set when this command is one of several instances of the run (`--instances N`). */
  instance?: InstanceSegment;
}

/** One k6 instance of a run split by execution segments. */
export interface InstanceSegment {
  /** The `instance` tag and the INSTANCE env (its summary folder), e.g. k6-2. */
  id: string;
  /** `--execution-segment`, e.g. 1/3:2/3. */
  segment: string;
  /** `--execution-segment-sequence`, e.g. 0,1/3,2/3,1. */
  sequence: string;
}

export interface Command {
  command: string;
  args: string[];
  /** Extra environment for the spawned process. */
  env: Record<string, string>;
}

function outputEnv(plan: LoadtestPlan): Record<string, string> {
  return {
    K6_PROMETHEUS_RW_SERVER_URL: plan.remoteWriteUrl,
    K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true',
    ...k6RemoteWriteEnv(plan.remoteWriteAuth),
  };
}

function runArgs(plan: LoadtestPlan, script: string, env: Record<string, string>): string[] {
  return [
    'run',
    '-o',
    'experimental-prometheus-rw',
    '--tag',
    `testid=${plan.testid}`,
    ...(plan.instance
      ? ['--tag', `instance=${plan.instance.id}`, '--execution-segment', plan.instance.segment, '--execution-segment-sequence', plan.instance.sequence]
      : []),
    ...Object.entries({ ...env, ...(plan.instance ? { INSTANCE: plan.instance.id } : {}) }).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...plan.k6Args,
    script,
  ];
}

/** `k6 run ...` from the repository root (handleSummary writes results/<testid>/ there). */
export function localK6Command(plan: LoadtestPlan, k6Binary = 'k6'): Command {
  return { command: k6Binary, args: runArgs(plan, scenarios[plan.scenario], plan.env), env: outputEnv(plan) };
}

/**
 * `docker run grafana/k6 run ...` with the repository mounted at /src and host networking (the
 * gateway and Prometheus are on the host's loopback). It runs as the calling user so the results
 * it writes into the mount stay the user's.
 */
export function dockerK6Command(plan: LoadtestPlan, repoRoot: string, user: { uid: number; gid: number }): Command {
  const inContainer = (path: string): string => {
    if (!isAbsolute(path)) return path;
    const rel = relative(repoRoot, path);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new Error(`docker runner: ${path} is outside the repository ${repoRoot}, so the container cannot read it`);
    }
    return join('/src', rel);
  };
  const env = Object.fromEntries(Object.entries(plan.env).map(([k, v]) => [k, k === 'BASELINE_SUMMARY' ? inContainer(v) : v]));
  const output = outputEnv(plan);
  // A credential goes to the container as `-e NAME` (docker copies the value from its own
  // environment), never as NAME=value in an argument list any user of the machine can read.
  const secret = Object.fromEntries(Object.entries(output).filter(([k]) => isSecretK6Env(k)));
  return {
    command: 'docker',
    args: [
      'run',
      '--rm',
      '--network',
      'host',
      '--user',
      `${user.uid}:${user.gid}`,
      '-v',
      `${repoRoot}:/src`,
      '-w',
      '/src',
      ...Object.entries(output).flatMap(([k, v]) => ['-e', k in secret ? k : `${k}=${v}`]),
      K6_IMAGE,
      ...runArgs(plan, scenarios[plan.scenario], env),
    ],
    env: secret,
  };
}

/**
 * Shell-quoted rendering, for --dry-run, logs and error messages. Credentials (k6's password,
 * bearer token and secret-named headers) are masked, in the environment and in `-e NAME=value`.
 */
export function renderCommand(cmd: Command): string {
  const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  const masked = (k: string, v: string): string => (isSecretK6Env(k) ? MASK : v);
  const env = Object.entries(cmd.env).map(([k, v]) => `${k}=${quote(masked(k, v))}`);
  const args = cmd.args.map((arg, i) => {
    const eq = arg.indexOf('=');
    return cmd.args[i - 1] === '-e' && eq > 0 ? `${arg.slice(0, eq)}=${masked(arg.slice(0, eq), arg.slice(eq + 1))}` : arg;
  });
  return [...env, cmd.command, ...args].map((part, i) => (i < env.length ? part : quote(part))).join(' ');
}
