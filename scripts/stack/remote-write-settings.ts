/**
 * Prometheus' own remote write, from .env: the stack's Prometheus forwards everything it stores
 * (its scrapes and k6's remote-written runs) to a hosted or distributed store.
 *
 *   REMOTE_WRITE_URL=https://prometheus-prod-01.grafana.net/api/prom/push
 *   REMOTE_WRITE_HEADERS=X-Scope-OrgID: team-a, THANOS-TENANT: team-a     ('Name: value' pairs, commas between)
 *   REMOTE_WRITE_USERNAME=123456 + REMOTE_WRITE_PASSWORD_FILE=./secrets/remote_write_password
 *   or REMOTE_WRITE_BEARER_TOKEN_FILE=./secrets/remote_write_bearer_token
 *
 * Secrets stay in files: natively Prometheus reads the host file; under compose the file is the
 * compose secret of the same name (/run/secrets/remote_write_password, .../remote_write_bearer_token).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RemoteWriteTarget } from '../../monitoring/generators/prometheus-config.ts';
import { parseHeader } from '../../tools/remote-write-auth.ts';

export interface RemoteWriteSetting {
  url: string;
  headers: Record<string, string>;
  username?: string;
  /** Host paths (resolved against the repository). */
  passwordFile?: string;
  bearerTokenFile?: string;
}

/** Where compose mounts the secrets (docker-compose-monitoring.yaml, service prometheus). */
export const composeRemoteWriteSecrets = {
  password: '/run/secrets/remote_write_password',
  bearerToken: '/run/secrets/remote_write_bearer_token',
} as const;

const VARIABLES = ['REMOTE_WRITE_HEADERS', 'REMOTE_WRITE_USERNAME', 'REMOTE_WRITE_PASSWORD_FILE', 'REMOTE_WRITE_BEARER_TOKEN_FILE'] as const;

export function remoteWriteFromEnv(env: NodeJS.ProcessEnv, repoRoot: string): RemoteWriteSetting | undefined {
  const url = env.REMOTE_WRITE_URL || undefined;
  if (url === undefined) {
    const stray = VARIABLES.filter((name) => env[name]);
    if (stray.length > 0) throw new Error(`${stray.join(', ')} configure Prometheus' remote write: set REMOTE_WRITE_URL too`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REMOTE_WRITE_URL must be a URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`REMOTE_WRITE_URL must be http or https, got "${url}"`);
  if (parsed.username || parsed.password) throw new Error('REMOTE_WRITE_URL: no credentials in the URL; use REMOTE_WRITE_USERNAME and REMOTE_WRITE_PASSWORD_FILE');
  const headers: Record<string, string> = {};
  for (const pair of (env.REMOTE_WRITE_HEADERS ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = parseHeader(pair, 'REMOTE_WRITE_HEADERS');
    headers[name] = value;
  }
  const username = env.REMOTE_WRITE_USERNAME || undefined;
  const file = (name: 'REMOTE_WRITE_PASSWORD_FILE' | 'REMOTE_WRITE_BEARER_TOKEN_FILE'): string | undefined => {
    const raw = env[name];
    if (!raw) return undefined;
    const path = resolve(repoRoot, raw);
    if (!existsSync(path)) throw new Error(`${name}: ${path} does not exist (put the secret in that file; secrets/ is git-ignored)`);
    return path;
  };
  const passwordFile = file('REMOTE_WRITE_PASSWORD_FILE');
  const bearerTokenFile = file('REMOTE_WRITE_BEARER_TOKEN_FILE');
  if ((username === undefined) !== (passwordFile === undefined)) throw new Error('REMOTE_WRITE_USERNAME and REMOTE_WRITE_PASSWORD_FILE go together (basic auth)');
  if (passwordFile && bearerTokenFile) throw new Error('REMOTE_WRITE_PASSWORD_FILE and REMOTE_WRITE_BEARER_TOKEN_FILE both set the Authorization header; configure one');
  return { url, headers, ...(username ? { username } : {}), ...(passwordFile ? { passwordFile } : {}), ...(bearerTokenFile ? { bearerTokenFile } : {}) };
}

/** The remote_write entry for prometheus.yml: host paths natively, the compose secrets' paths under compose. */
export function remoteWriteEntry(setting: RemoteWriteSetting, mode: 'native' | 'compose'): RemoteWriteTarget {
  const passwordFile = mode === 'native' ? setting.passwordFile : composeRemoteWriteSecrets.password;
  const bearerTokenFile = mode === 'native' ? setting.bearerTokenFile : composeRemoteWriteSecrets.bearerToken;
  return {
    url: setting.url,
    name: 'remote-store',
    ...(Object.keys(setting.headers).length > 0 ? { headers: setting.headers } : {}),
    ...(setting.username && passwordFile ? { basicAuth: { username: setting.username, passwordFile } } : {}),
    ...(setting.bearerTokenFile && bearerTokenFile ? { bearerTokenFile } : {}),
  };
}
