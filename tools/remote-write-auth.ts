/**
 * Auth and extra headers for a remote-write store that needs them (Grafana Cloud, Mimir/Cortex's
 * X-Scope-OrgID, Thanos' THANOS-TENANT behind a gateway): one description that the Node client
 * (tools/remote-write.ts), the harness, `npm run loadtest` and its post-run query share, and its
 * mapping onto the environment variables of k6's experimental-prometheus-rw output, exactly as k6
 * reads them (grafana/k6 internal/output/prometheusrw/remotewrite/config.go, parseEnvs):
 *
 *   K6_PROMETHEUS_RW_USERNAME, K6_PROMETHEUS_RW_PASSWORD   basic auth (set when the user is set)
 *   K6_PROMETHEUS_RW_BEARER_TOKEN                          Authorization: Bearer <token>
 *   K6_PROMETHEUS_RW_HEADERS_<Name>=<value>                one header each, <Name> as written
 *   K6_PROMETHEUS_RW_HTTP_HEADERS=<name>:<value>,...       several (applied after the above)
 */

export interface RemoteWriteAuth {
  /** Extra request headers, e.g. { 'THANOS-TENANT': 'team-a' }. */
  headers?: Record<string, string>;
  basicAuth?: { username: string; password: string };
  bearerToken?: string;
}

export const k6RemoteWriteEnvNames = {
  username: 'K6_PROMETHEUS_RW_USERNAME',
  password: 'K6_PROMETHEUS_RW_PASSWORD',
  bearerToken: 'K6_PROMETHEUS_RW_BEARER_TOKEN',
  headerPrefix: 'K6_PROMETHEUS_RW_HEADERS_',
  headerList: 'K6_PROMETHEUS_RW_HTTP_HEADERS',
} as const;

/** RFC 9110 token: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the remote-write protocol itself sets (or auth does): a configured one would break or hide it. */
const RESERVED_HEADERS = ['authorization', 'content-encoding', 'content-type', 'content-length', 'host', 'user-agent', 'x-prometheus-remote-write-version'];

/**
 * Tenant headers, which carry an id and no credential: shown as they are. Every other header's
 * value is masked wherever a command line or a log shows it (a name cannot tell a credential:
 * X-Access-Key, X-License-Key, ...).
 */
const PLAIN_HEADERS = ['thanos-tenant', 'x-scope-orgid'];

export function isSecretHeader(name: string): boolean {
  return !PLAIN_HEADERS.includes(name.toLowerCase());
}

/** A header name that may be configured; throws naming `where` otherwise. */
export function checkHeaderName(name: string, where: string): string {
  if (!HEADER_NAME.test(name)) throw new Error(`${where}: ${JSON.stringify(name)} is not a valid HTTP header name`);
  if (RESERVED_HEADERS.includes(name.toLowerCase())) {
    throw new Error(
      `${where}: header ${name} is set by the remote-write client itself${name.toLowerCase() === 'authorization' ? ' (use basic auth or a bearer token instead)' : ''}`,
    );
  }
  return name;
}

/** `Name: value` (as curl -H takes it) -> [name, value]. */
export function parseHeader(text: string, where: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new Error(`${where}: expected 'Name: value', got ${JSON.stringify(text)}`);
  const name = checkHeaderName(text.slice(0, colon).trim(), where);
  const value = text.slice(colon + 1).trim();
  if (/[\r\n]/.test(value)) throw new Error(`${where}: header ${name} has a line break in its value`);
  return [name, value];
}

/** Basic auth and a bearer token both set the Authorization header: only one may be configured. */
export function checkAuth(auth: RemoteWriteAuth, where: string): RemoteWriteAuth {
  if (auth.basicAuth && auth.bearerToken !== undefined) throw new Error(`${where}: basic auth and a bearer token both set the Authorization header; configure one`);
  for (const name of Object.keys(auth.headers ?? {})) checkHeaderName(name, where);
  return auth;
}

/** The request headers these settings add (what k6 sends for the same settings). */
export function authHeaders(auth: RemoteWriteAuth = {}): Record<string, string> {
  const headers: Record<string, string> = { ...auth.headers };
  if (auth.basicAuth) {
    headers.Authorization = `Basic ${Buffer.from(`${auth.basicAuth.username}:${auth.basicAuth.password}`).toString('base64')}`;
  } else if (auth.bearerToken !== undefined) {
    headers.Authorization = `Bearer ${auth.bearerToken}`;
  }
  return headers;
}

/** k6's environment variables for these settings. */
export function k6RemoteWriteEnv(auth: RemoteWriteAuth = {}): Record<string, string> {
  const env: Record<string, string> = {};
  if (auth.basicAuth) {
    env[k6RemoteWriteEnvNames.username] = auth.basicAuth.username;
    env[k6RemoteWriteEnvNames.password] = auth.basicAuth.password;
  }
  if (auth.bearerToken !== undefined) env[k6RemoteWriteEnvNames.bearerToken] = auth.bearerToken;
  for (const [name, value] of Object.entries(auth.headers ?? {})) env[`${k6RemoteWriteEnvNames.headerPrefix}${name}`] = value;
  return env;
}

/** Is this one of k6's remote-write auth/header variables (all of them are read by remoteWriteAuthFromK6Env)? */
export function isK6AuthEnv(name: string): boolean {
  const n = k6RemoteWriteEnvNames;
  return name === n.username || name === n.password || name === n.bearerToken || name === n.headerList || name.startsWith(n.headerPrefix);
}

/** Does this k6 variable hold a credential (its value is masked in what is printed)? */
export function isSecretK6Env(name: string): boolean {
  const n = k6RemoteWriteEnvNames;
  return name === n.password || name === n.bearerToken || (name.startsWith(n.headerPrefix) && isSecretHeader(name.slice(n.headerPrefix.length)));
}

/** The settings as k6 reads them from its environment (an empty password when only the user is set, like k6). */
export function remoteWriteAuthFromK6Env(env: NodeJS.ProcessEnv): RemoteWriteAuth {
  const n = k6RemoteWriteEnvNames;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(n.headerPrefix) && value !== undefined) headers[checkHeaderName(key.slice(n.headerPrefix.length), key)] = value;
  }
  const list = env[n.headerList];
  if (list) {
    // k6 splits on ',' then on ':' and wants exactly two parts (no ':' in a value).
    for (const pair of list.split(',')) {
      const parts = pair.split(':');
      if (parts.length !== 2) throw new Error(`${n.headerList}: ${JSON.stringify(pair)} does not respect the format <header key>:<value>`);
      headers[checkHeaderName(parts[0] ?? '', n.headerList)] = parts[1] ?? '';
    }
  }
  const username = env[n.username];
  const bearerToken = env[n.bearerToken] || undefined;
  return checkAuth(
    {
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(username !== undefined ? { basicAuth: { username, password: env[n.password] ?? '' } } : {}),
      ...(bearerToken !== undefined ? { bearerToken } : {}),
    },
    'k6 remote-write environment',
  );
}

/** The credential values in these settings, to mask in anything printed. */
export function secretValues(auth: RemoteWriteAuth = {}): string[] {
  const values = [auth.basicAuth?.password, auth.bearerToken, ...Object.entries(auth.headers ?? {}).filter(([name]) => isSecretHeader(name)).map(([, v]) => v)];
  return values.filter((v): v is string => v !== undefined && v !== '');
}

export const MASK = '***';

/** Replace every occurrence of a secret in a text meant for a terminal or a log. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s !== '').sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
  return out;
}

/** The settings with the credentials masked (what --dry-run prints). */
export function maskedAuth(auth: RemoteWriteAuth = {}): RemoteWriteAuth {
  return {
    ...(auth.headers ? { headers: Object.fromEntries(Object.entries(auth.headers).map(([k, v]) => [k, isSecretHeader(k) ? MASK : v])) } : {}),
    ...(auth.basicAuth ? { basicAuth: { username: auth.basicAuth.username, password: MASK } } : {}),
    ...(auth.bearerToken !== undefined ? { bearerToken: MASK } : {}),
  };
}
