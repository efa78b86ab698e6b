/** Parsing `npm run loadtest -- <order|payment|e2e> [options] [-- k6 args]`. */
import { resolve } from 'node:path';
import { ports } from '../../monitoring/config/stack.ts';
import { TESTID_PATTERN } from '../../k6/lib/summary-format.ts';
import { stackEndpoints } from '../stack/endpoints.ts';
import { stackSettings } from '../stack/settings.ts';
import { scenarios, type ScenarioName } from './k6-command.ts';

/** Prometheus' remote-write receiver in the stack with the default ports. */
export const DEFAULT_REMOTE_WRITE_URL = `http://127.0.0.1:${ports.prometheus}/api/v1/write`;

export const LOADTEST_USAGE = `usage: npm run loadtest -- <order|payment|e2e> [options] [-- <k6 args>]
  --profile smoke|full      load profile (default full; smoke runs for seconds with a few VUs)
  --label pooled|baseline   what this run measures (default pooled)
  --testid ID               names the run: testid label and results/<ID>/ (default <scenario>-<label>-<time>)
  --baseline ID|PATH        a baseline run (results/<ID>/summary.json) to measure pool time saved against
  --base-url URL            gateway origin (default $BASE_URL, else the script's: http://localhost:${ports.demoGateway})
  --remote-write URL        Prometheus remote write (default $K6_PROMETHEUS_RW_SERVER_URL, else the stack's:
                            http://127.0.0.1:$PROMETHEUS_PORT/api/v1/write, PROMETHEUS_PORT from the environment
                            or .env, default ${ports.prometheus}; the Thanos router after stack:up --scale-out)
  --query-url URL           where the run's series are checked after it (default $PROMETHEUS_QUERY_URL, else the
                            remote-write URL's own server; the stack's Thanos Query after stack:up --scale-out)
  --runner k6|docker|harness  force a runner (default: k6 on PATH, else docker, else an install hint)
  --harness                 same as --runner harness: the Node test harness (no k6 needed; see docs/k6.md)
  --time-scale N            harness only: multiply every duration by N (e.g. 0.1)
  --instances N             run the test as N k6 processes, each one execution segment of it (same
                            testid, instance=k6-1..k6-N tag); their summaries merge into results/<ID>/
  --dry-run                 print the command that would run, and exit
Arguments after -- go to k6 unchanged (the harness honours --vus, --iterations and --duration).`;

export type Runner = 'k6' | 'docker' | 'harness';

export interface LoadtestArgs {
  scenario: ScenarioName;
  profile: 'full' | 'smoke';
  label: 'pooled' | 'baseline';
  testid: string;
  baseline: string | null;
  baseUrl: string | null;
  remoteWriteUrl: string;
  /** Prometheus-compatible query API base URL, asked after the run whether its series arrived. */
  queryUrl: string;
  runner: Runner | null;
  timeScale: number;
  instances: number;
  dryRun: boolean;
  k6Args: string[];
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export function parseLoadtestArgs(argv: string[], env: NodeJS.ProcessEnv, now = new Date()): LoadtestArgs {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const k6Args = split === -1 ? [] : argv.slice(split + 1);
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  const withValue = ['--profile', '--label', '--testid', '--baseline', '--base-url', '--remote-write', '--query-url', '--runner', '--time-scale', '--instances'];
  for (let i = 0; i < own.length; i += 1) {
    const arg = own[i] ?? '';
    if (withValue.includes(arg)) {
      const value = own[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value\n${LOADTEST_USAGE}`);
      values.set(arg, value);
      i += 1;
    } else if (arg === '--harness' || arg === '--dry-run') {
      flags.add(arg);
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown option ${arg} (k6 options go after --)\n${LOADTEST_USAGE}`);
    } else {
      positional.push(arg);
    }
  }
  const scenario = positional[0];
  if (positional.length !== 1 || !scenario || !(scenario in scenarios)) {
    throw new Error(`expected exactly one scenario (order, payment or e2e), got ${JSON.stringify(positional)}\n${LOADTEST_USAGE}`);
  }
  const profile = values.get('--profile') ?? 'full';
  if (profile !== 'full' && profile !== 'smoke') throw new Error(`--profile ${profile}: expected smoke or full`);
  const label = values.get('--label') ?? 'pooled';
  if (label !== 'pooled' && label !== 'baseline') throw new Error(`--label ${label}: expected pooled or baseline`);
  const testid = values.get('--testid') ?? `${scenario}-${label}-${stamp(now)}`;
  if (!TESTID_PATTERN.test(testid)) throw new Error(`--testid ${testid}: only letters, digits, '.', '_' and '-' (it names a folder)`);
  let runner = (values.get('--runner') ?? null) as Runner | null;
  if (runner !== null && !['k6', 'docker', 'harness'].includes(runner)) throw new Error(`--runner ${runner}: expected k6, docker or harness`);
  if (flags.has('--harness')) {
    if (runner !== null && runner !== 'harness') throw new Error(`--harness conflicts with --runner ${runner}`);
    runner = 'harness';
  }
  const timeScale = Number(values.get('--time-scale') ?? '1');
  if (!(timeScale > 0)) throw new Error(`--time-scale ${values.get('--time-scale')}: a positive number is required`);
  const instances = Number(values.get('--instances') ?? '1');
  if (!Number.isInteger(instances) || instances < 1) throw new Error(`--instances ${values.get('--instances')}: a positive integer is required`);
  for (const arg of k6Args) {
    if (arg.startsWith('--execution-segment')) throw new Error(`${arg}: --instances sets the execution segments; do not pass them to k6 as well`);
  }
  const baseline = values.get('--baseline') ?? null;
  const explicitWrite = values.get('--remote-write') ?? env.K6_PROMETHEUS_RW_SERVER_URL;
  const stack = explicitWrite === undefined ? stackEndpoints(stackSettings(env)) : undefined;
  const remoteWriteUrl = explicitWrite ?? stack?.remoteWriteUrl ?? '';
  return {
    scenario: scenario as ScenarioName,
    profile,
    label,
    testid,
    baseline,
    baseUrl: values.get('--base-url') ?? null,
    remoteWriteUrl,
    queryUrl: values.get('--query-url') ?? env.PROMETHEUS_QUERY_URL ?? stack?.queryUrl ?? serverOf(remoteWriteUrl),
    runner,
    timeScale,
    instances,
    dryRun: flags.has('--dry-run'),
    k6Args,
  };
}

/** http://host:port/api/v1/write -> http://host:port: a Prometheus answers queries where it receives writes. */
export function serverOf(remoteWriteUrl: string): string {
  try {
    const url = new URL(remoteWriteUrl);
    url.pathname = url.pathname.replace(/\/api\/v1\/write$/, '');
    url.search = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    throw new Error(`--remote-write ${remoteWriteUrl}: not a URL`);
  }
}

/** --baseline accepts a testid (results/<id>/summary.json) or a path to a summary.json. */
export function baselinePath(baseline: string, repoRoot: string): string {
  return baseline.endsWith('.json') ? resolve(baseline) : resolve(repoRoot, 'results', baseline, 'summary.json');
}

export interface Shortcuts {
  vus?: number;
  iterations?: number;
  duration?: string;
}

/**
 * k6's execution shortcuts among the k6 arguments (`--vus`/`-u`, `--iterations`/`-i`,
 * `--duration`/`-d`, also as --flag=value), for the harness; `rest` is what the harness ignores.
 */
export function shortcutsFromK6Args(k6Args: string[]): { shortcuts: Shortcuts; rest: string[] } {
  const names: Record<string, keyof Shortcuts> = { '--vus': 'vus', '-u': 'vus', '--iterations': 'iterations', '-i': 'iterations', '--duration': 'duration', '-d': 'duration' };
  const shortcuts: Shortcuts = {};
  const rest: string[] = [];
  for (let i = 0; i < k6Args.length; i += 1) {
    const arg = k6Args[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const key = names[flag];
    if (key === undefined) {
      rest.push(arg);
      continue;
    }
    const value = eq === -1 ? k6Args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (key === 'duration') {
      shortcuts.duration = value;
    } else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} ${value}: a positive integer is required`);
      shortcuts[key] = n;
    }
  }
  return { shortcuts, rest };
}
