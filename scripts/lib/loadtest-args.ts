/** Parsing `npm run loadtest -- <order|payment|e2e> [options] [-- k6 args]`. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ports } from '../../monitoring/config/stack.ts';
import { TESTID_PATTERN } from '../../k6/lib/summary-format.ts';
import { stackEndpoints } from '../stack/endpoints.ts';
import { stackSettings } from '../stack/settings.ts';
import { scenarios, type ScenarioName } from './k6-command.ts';
import { checkAuth, parseHeader, remoteWriteAuthFromK6Env, type RemoteWriteAuth } from '../../tools/remote-write-auth.ts';

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
  --query-url URL           where the run's series are checked after it: a Prometheus-compatible API base, e.g.
                            https://…/api/prom (default $PROMETHEUS_QUERY_URL, else the remote-write URL's own
                            server when it ends in /api/v1/write, else required; the stack's Thanos Query after
                            stack:up --scale-out)
  --remote-write-header 'Name: value'  an extra header on every remote write and on the check, e.g.
                            'THANOS-TENANT: team-a' or 'X-Scope-OrgID: team-a' (repeatable; also from
                            K6_PROMETHEUS_RW_HEADERS_<Name> and K6_PROMETHEUS_RW_HTTP_HEADERS, as k6 reads them)
  --remote-write-user USER  basic auth user (default $K6_PROMETHEUS_RW_USERNAME)
  --remote-write-password-file FILE  its password, read from FILE (or $K6_PROMETHEUS_RW_PASSWORD);
                            never on the command line, masked in everything printed
  --remote-write-bearer-token-file FILE  Authorization: Bearer <token>, read from FILE (or
                            $K6_PROMETHEUS_RW_BEARER_TOKEN); masked like the password
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
  /** Auth and extra headers of the remote write, also sent with the check's query. */
  remoteWriteAuth: RemoteWriteAuth;
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
  const headers: string[] = [];
  const withValue = [
    '--profile', '--label', '--testid', '--baseline', '--base-url', '--remote-write', '--runner', '--time-scale', '--instances',
    '--query-url', '--remote-write-header', '--remote-write-user', '--remote-write-password-file', '--remote-write-bearer-token-file',
  ];
  for (let i = 0; i < own.length; i += 1) {
    const arg = own[i] ?? '';
    if (arg === '--remote-write-password' || arg === '--remote-write-bearer-token') {
      throw new Error(`${arg}: a secret on the command line is visible to every user of this machine; use ${arg}-file FILE (or the k6 variable, see the usage)`);
    }
    if (withValue.includes(arg)) {
      const value = own[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value\n${LOADTEST_USAGE}`);
      if (arg === '--remote-write-header') headers.push(value);
      else values.set(arg, value);
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
  const remoteWriteUrl = checkedUrl('--remote-write', explicitWrite ?? stack?.remoteWriteUrl ?? '');
  const queryBase = values.get('--query-url') ?? (env.PROMETHEUS_QUERY_URL || undefined);
  return {
    scenario: scenario as ScenarioName,
    profile,
    label,
    testid,
    baseline,
    baseUrl: values.get('--base-url') ?? null,
    remoteWriteUrl,
    remoteWriteAuth: remoteWriteAuthOf(values, headers, env),
    queryUrl: queryBase !== undefined ? checkedUrl('--query-url', queryBase) : stack?.queryUrl ?? serverOf(remoteWriteUrl),
    runner,
    timeScale,
    instances,
    dryRun: flags.has('--dry-run'),
    k6Args,
  };
}

/** An http(s) URL without credentials in it (they would be printed; fetch refuses them too). */
function checkedUrl(option: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${option} ${raw}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${option} ${raw}: expected an http or https URL`);
  if (url.username || url.password) throw new Error(`${option}: no credentials in the URL; use --remote-write-user and --remote-write-password-file`);
  return raw;
}

function readSecretFile(option: string, file: string): string {
  try {
    // Trimmed like Prometheus' password_file: a trailing newline is not part of the secret.
    const secret = readFileSync(file, 'utf8').trim();
    if (secret === '') throw new Error('the file is empty');
    return secret;
  } catch (err) {
    throw new Error(`${option} ${file}: cannot read the secret: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Auth and headers: the command line over k6's own variables (which `npm run loadtest` then
 * hands to every runner, the harness and the check alike).
 */
function remoteWriteAuthOf(values: Map<string, string>, headerArgs: string[], env: NodeJS.ProcessEnv): RemoteWriteAuth {
  const fromEnv = remoteWriteAuthFromK6Env(env);
  const headers = { ...fromEnv.headers };
  for (const text of headerArgs) {
    const [name, value] = parseHeader(text, '--remote-write-header');
    // Header names are case-insensitive: the command line replaces an env header of any case.
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    headers[name] = value;
  }
  const passwordFile = values.get('--remote-write-password-file');
  const tokenFile = values.get('--remote-write-bearer-token-file');
  const username = values.get('--remote-write-user') ?? fromEnv.basicAuth?.username;
  const password = passwordFile !== undefined ? readSecretFile('--remote-write-password-file', passwordFile) : fromEnv.basicAuth?.password;
  if (passwordFile !== undefined && username === undefined) throw new Error('--remote-write-password-file needs --remote-write-user (or K6_PROMETHEUS_RW_USERNAME)');
  if (username !== undefined && !password) {
    throw new Error(`remote-write user ${username} has no password: --remote-write-password-file FILE (or K6_PROMETHEUS_RW_PASSWORD)`);
  }
  const bearerToken = tokenFile !== undefined ? readSecretFile('--remote-write-bearer-token-file', tokenFile) : fromEnv.bearerToken;
  return checkAuth(
    {
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(username !== undefined && password ? { basicAuth: { username, password } } : {}),
      ...(bearerToken !== undefined ? { bearerToken } : {}),
    },
    'remote write',
  );
}

/** http://host:port/api/v1/write -> http://host:port: a Prometheus answers queries where it receives writes. */
export function serverOf(remoteWriteUrl: string): string {
  let url: URL;
  try {
    url = new URL(remoteWriteUrl);
  } catch {
    throw new Error(`--remote-write ${remoteWriteUrl}: not a URL`);
  }
  if (!/\/api\/v1\/write$/.test(url.pathname)) {
    // Thanos' router (/api/v1/receive), Mimir (/api/v1/push), a hosted store: queries are answered elsewhere.
    throw new Error(`--remote-write ${remoteWriteUrl} is not a Prometheus receiver (/api/v1/write), so it cannot be asked whether the run's series arrived: name the query API with --query-url URL (or PROMETHEUS_QUERY_URL)`);
  }
  url.pathname = url.pathname.replace(/\/api\/v1\/write$/, '');
  url.search = '';
  return url.toString().replace(/\/$/, '');
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
