/**
 * Run settings from the environment (k6 `__ENV`, set with `-e NAME=value` or by scripts/loadtest.ts).
 * Everything a script may vary between runs is read here, once, in the init context.
 */
import { ports } from '../../monitoring/config/stack.ts';
import { TESTID_PATTERN } from './summary-format.ts';

export type RunLabel = 'pooled' | 'baseline';
export type ProfileName = 'full' | 'smoke';

export interface RunConfig {
  /** Gateway origin; default the demo gateway on localhost. */
  baseUrl: string;
  /** API prefix under the origin, e.g. /api/v1. */
  apiPrefix: string;
  detailedLogs: boolean;
  /** Reuse the tokens from setup() instead of logging in on every flow. */
  skipAuth: boolean;
  /** Names the run: Prometheus `testid` label and the results/<testid>/ folder. */
  testId: string;
  label: RunLabel;
  profile: ProfileName;
  /** Path to a baseline run's summary.json (read with open() in the init context). */
  baselineSummary: string;
  /**
   * One of several k6 instances running this testid (`npm run loadtest -- --instances N`): its
   * summary goes to results/<testid>/instances/<instance>/, the merged one to results/<testid>/.
   * Empty for a single-instance run.
   */
  instance: string;
}

function flag(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name}=${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
}

const DEFAULT_BASE_URL = `http://localhost:${ports.demoGateway}`;

function instanceName(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  if (!TESTID_PATTERN.test(value)) throw new Error(`INSTANCE=${JSON.stringify(value)} may only hold letters, digits, '.', '_' and '-' (it names a folder)`);
  return value;
}

export function readConfig(env: Record<string, string | undefined>): RunConfig {
  const baseUrl = (env.BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) {
    throw new Error(`BASE_URL=${JSON.stringify(env.BASE_URL)} is not an http(s) origin such as ${DEFAULT_BASE_URL}`);
  }
  const prefix = env.API_PREFIX ?? '/api/v1';
  const apiPrefix = prefix === '' ? '' : `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  const label = oneOf('RUN_LABEL', env.RUN_LABEL, ['pooled', 'baseline'] as const, 'pooled');
  const testId = env.TESTID || `${label}-local`;
  if (!TESTID_PATTERN.test(testId)) {
    throw new Error(`TESTID=${JSON.stringify(testId)} may only hold letters, digits, '.', '_' and '-' (it names a folder)`);
  }
  return {
    baseUrl,
    apiPrefix,
    detailedLogs: flag(env.DETAILED_LOGS),
    skipAuth: flag(env.SKIP_AUTH),
    testId,
    label,
    profile: oneOf('PROFILE', env.PROFILE, ['full', 'smoke'] as const, 'full'),
    baselineSummary: env.BASELINE_SUMMARY ?? '',
    instance: instanceName(env.INSTANCE),
  };
}

export const config: RunConfig = readConfig(__ENV);

/**
 * Test-wide tags from the script (options.tags): `instance` when this is one of several k6
 * instances, so their series stay apart even where no `--tag` can be given per instance (the
 * k6-operator's TestRun sets INSTANCE to the runner pod's name).
 */
export const runTags: Record<string, string> = config.instance ? { instance: config.instance } : {};

/** Absolute URL of an API path such as `/orders`. */
export function apiUrl(path: string): string {
  return `${config.baseUrl}${config.apiPrefix}${path}`;
}

export function debug(message: string): void {
  if (config.detailedLogs) console.log(`[VU ${__VU} iter ${__ITER}] ${message}`);
}
