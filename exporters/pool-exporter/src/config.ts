/**
 * The exporter's configuration: YAML schema, `${VAR}` expansion, secret headers, defaults and
 * validation. Every error names the file, the line and the key and says what is wrong, so a bad
 * file is fixed in one read; it never repeats a value (header values are secrets, and `${VAR}`
 * expansions may be). Secrets (`{ env: … }`, `{ file: … }`) are resolved here, at load and on reload.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { isTargetName, targetNameRule } from '../../../contract/targets.ts';

export interface ListenAddress {
  /** Undefined means every interface (written `:9470`). */
  readonly host: string | undefined;
  readonly port: number;
}

export interface TargetConfig {
  readonly name: string;
  readonly url: URL;
  /** Upper bound of one probe (connect, headers and body); a scrape timeout may shorten it. */
  readonly timeoutMs: number;
  /** The TCP (and TLS) connect must finish within this, inside the probe timeout. */
  readonly connectTimeoutMs: number;
  /** Resolved header values: secrets are read at load time, never logged. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface ExporterConfig {
  readonly listen: ListenAddress;
  /** Bodies larger than this fail the probe with reason too_large. */
  readonly bodySizeLimitBytes: number;
  readonly targets: ReadonlyMap<string, TargetConfig>;
}

export const defaults = {
  listen: '127.0.0.1:9470',
  timeout: '5s',
  connectTimeout: '2s',
  bodySizeLimit: '1MiB',
} as const;

/** `file: line N: key: problem`; `located` is the same without the file, for HTTP answers. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly located: string;
  constructor(
    readonly source: string,
    readonly key: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    const located = [line === undefined ? '' : `line ${line}: `, key ? `${key}: ` : '', problem].join('');
    super(`${source}: ${located}`);
    this.located = located;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const DURATION_PART = /(\d+)(ms|s|m|h)/gy;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const MAX_TIMEOUT_MS = 5 * 60_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** A header value from a file: a token or a certificate, never more. */
export const MAX_HEADER_FILE_BYTES = 64 * 1024;
/** Aliases resolved per document: enough for any real config, far from a "billion laughs". */
const MAX_ALIAS_COUNT = 100;

export function loadConfig(path: string, env: Env = process.env): ExporterConfig {
  const text = readRegularFile(path, MAX_CONFIG_FILE_BYTES, (problem) => new ConfigError(path, '', undefined, `cannot read the config file: ${problem}`));
  return parseConfig(text, { source: path, env, baseDir: dirname(resolve(path)) });
}

/**
 * Read a regular file of at most maxBytes. Opened non-blocking, so a FIFO cannot hold the load;
 * checked on the open descriptor, so a device (/dev/zero), a FIFO or a directory is refused at once.
 */
function readRegularFile(path: string, maxBytes: number, error: (problem: string) => Error): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw error((err as NodeJS.ErrnoException).code ?? 'open failed');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw error(`not a regular file (${fileKind(stat)}); give a file`);
    if (stat.size > maxBytes) throw error(`larger than ${maxBytes} bytes`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length <= maxBytes; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) throw error(`larger than ${maxBytes} bytes`);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

function fileKind(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

export function parseConfig(
  text: string,
  { source, env, baseDir }: { source: string; env: Env; baseDir: string },
): ExporterConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const ctx: Ctx = { source, env, baseDir, doc, lines };
  const [syntax] = doc.errors;
  if (syntax) {
    // yaml's own messages quote the source around the error, which may be a secret: the code only.
    const line = lines.linePos(syntax.pos[0]).line;
    const key = /^\s*(?:-\s+)?["']?([A-Za-z0-9_.:-]+)["']?\s*:/.exec(text.split('\n')[line - 1] ?? '')?.[1];
    throw new ConfigError(source, key ?? '', line, `invalid YAML (${syntax.code.toLowerCase().replace(/_/g, ' ')})`);
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const aliases = err instanceof Error && /alias/i.test(err.message);
    throw new ConfigError(source, '', undefined, aliases ? `the YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} resolutions)` : 'the YAML cannot be resolved to plain data');
  }
  const top = object(ctx, root, [], ['listen', 'body_size_limit', 'targets']);
  const targetsNode = object(ctx, top.targets ?? fail(ctx, ['targets'], 'is required (a map of target name to { url })'), ['targets']);
  const targets = new Map<string, TargetConfig>();
  for (const [name, node] of Object.entries(targetsNode)) {
    if (!isTargetName(name)) fail(ctx, ['targets', name], targetNameRule);
    targets.set(name, parseTarget(ctx, name, node));
  }
  if (targets.size === 0) fail(ctx, ['targets'], 'must name at least one target');
  const listenText = expandString(ctx, top.listen ?? defaults.listen, ['listen']);
  const listen = parseListenText(listenText);
  if (!listen) fail(ctx, ['listen'], 'is not HOST:PORT (examples: 127.0.0.1:9470, [::1]:9470, :9470)');
  return {
    listen,
    bodySizeLimitBytes: parseSize(ctx, top.body_size_limit ?? defaults.bodySizeLimit, ['body_size_limit']),
    targets,
  };
}

interface Ctx {
  source: string;
  env: Env;
  baseDir: string;
  doc: Document;
  lines: LineCounter;
}

function parseTarget(ctx: Ctx, name: string, node: unknown): TargetConfig {
  const where = ['targets', name];
  const t = object(ctx, node, where, ['url', 'timeout', 'connect_timeout', 'headers']);
  const url = parseUrl(ctx, expandString(ctx, t.url ?? fail(ctx, [...where, 'url'], 'is required'), [...where, 'url']), [...where, 'url']);
  const timeoutMs = parseDuration(ctx, t.timeout ?? defaults.timeout, [...where, 'timeout']);
  const connectTimeoutMs = Math.min(
    timeoutMs,
    parseDuration(ctx, t.connect_timeout ?? defaults.connectTimeout, [...where, 'connect_timeout']),
  );
  const headers: Record<string, string> = {};
  for (const [header, value] of Object.entries(object(ctx, t.headers ?? {}, [...where, 'headers']))) {
    const at = [...where, 'headers', header];
    try {
      validateHeaderName(header);
    } catch {
      fail(ctx, at, 'is not a valid HTTP header name');
    }
    const resolved = headerValue(ctx, value, at);
    try {
      validateHeaderValue(header, resolved);
    } catch {
      // Never echo the value: it is likely a secret.
      fail(ctx, at, 'the value contains characters not allowed in an HTTP header (CR, LF, NUL…)');
    }
    headers[header] = resolved;
  }
  return { name, url, timeoutMs, connectTimeoutMs, headers };
}

/** A header value: a string (with `${VAR}` expansion), `{ env: NAME }` or `{ file: PATH }`. */
function headerValue(ctx: Ctx, value: unknown, at: string[]): string {
  if (typeof value === 'string') return expandString(ctx, value, at);
  const source = object(ctx, value, at, ['env', 'file']);
  const keys = Object.keys(source);
  if (keys.length !== 1) fail(ctx, at, 'give exactly one of a string, { env: NAME } or { file: PATH }');
  if (source.env !== undefined) {
    const name = expandString(ctx, source.env, [...at, 'env']);
    const v = ctx.env[name];
    if (v === undefined || v === '') fail(ctx, [...at, 'env'], `environment variable ${name} is not set or empty`);
    return v;
  }
  const fileAt = [...at, 'file'];
  const file = resolve(ctx.baseDir, expandString(ctx, source.file, fileAt));
  const content = readRegularFile(file, MAX_HEADER_FILE_BYTES, (problem) => configError(ctx, fileAt, `cannot read the file: ${problem}`));
  // Secret files usually end with a newline that is not part of the secret.
  const secret = content.replace(/[\r\n]+$/, '');
  if (secret === '') fail(ctx, fileAt, 'the file is empty');
  return secret;
}

/**
 * `${VAR}` (must be set), `${VAR:-default}` (default when unset or empty) and `$$` (a literal
 * `$`). The default is taken literally. Only string values are expanded, never keys.
 */
function expandString(ctx: Ctx, value: unknown, at: string[]): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') fail(ctx, at, `must be a string, got ${describe(value)}`);
  return value.replace(/\$\$|\$\{([^}]*)(\}?)/g, (match, inner: string | undefined, close: string) => {
    if (match === '$$') return '$';
    if (close !== '}') fail(ctx, at, 'unterminated ${ (use ${NAME} or ${NAME:-default}; $$ for a literal $)');
    const ref = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner ?? '');
    if (!ref) fail(ctx, at, 'invalid ${…} reference (use ${NAME} or ${NAME:-default}; $$ for a literal $)');
    const [, name = '', fallback] = ref;
    const v = ctx.env[name];
    if (fallback !== undefined) return v === undefined || v === '' ? fallback : v;
    if (v === undefined) fail(ctx, at, `environment variable ${name} is not set (use \${${name}:-default} for a default)`);
    return v;
  });
}

function parseUrl(ctx: Ctx, text: string, at: string[]): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(ctx, at, 'is not an absolute URL (after ${VAR} expansion)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(ctx, at, 'the scheme is not http: or https:');
  // Credentials in a URL end up in logs and on the landing page: headers are the place for them.
  if (url.username !== '' || url.password !== '') fail(ctx, at, 'must not contain user:password@ (use headers)');
  url.hash = '';
  return url;
}

function parseDuration(ctx: Ctx, value: unknown, at: string[]): number {
  const text = expandString(ctx, value, at);
  let ms = 0;
  let pos = 0;
  DURATION_PART.lastIndex = 0;
  for (let m = DURATION_PART.exec(text); m; m = DURATION_PART.exec(text)) {
    ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    pos = DURATION_PART.lastIndex;
  }
  if (text === '' || pos !== text.length || !Number.isFinite(ms)) {
    fail(ctx, at, 'is not a duration (examples: 500ms, 3s, 1m30s)');
  }
  if (ms <= 0 || ms > MAX_TIMEOUT_MS) fail(ctx, at, 'is out of range (more than 0, at most 5m)');
  return ms;
}

function parseSize(ctx: Ctx, value: unknown, at: string[]): number {
  const text = expandString(ctx, value, at);
  const m = /^(\d+)\s*(B|KiB|MiB)?$/.exec(text);
  if (!m) fail(ctx, at, 'is not a size (bytes, or with KiB / MiB: 512KiB, 1MiB)');
  const bytes = Number(m[1]) * (m[2] === 'MiB' ? 1024 * 1024 : m[2] === 'KiB' ? 1024 : 1);
  if (bytes < 1024 || bytes > MAX_BODY_BYTES) fail(ctx, at, 'is out of range (1KiB to 64MiB)');
  return bytes;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every interface); undefined when it is none of them. */
function parseListenText(text: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 0 || port > 65_535) return undefined;
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

/** The --listen flag: typed on the command line, so the error may repeat it. */
export function parseListen(text: string, where: string): ListenAddress {
  const listen = parseListenText(text);
  if (!listen) throw new Error(`${where}: "${text}" is not HOST:PORT (examples: 127.0.0.1:9470, [::1]:9470, :9470)`);
  return listen;
}

function object(ctx: Ctx, value: unknown, at: string[], allowed?: string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(ctx, at, `must be a map, got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  if (allowed) {
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) fail(ctx, [...at, key], `unknown key (allowed here: ${allowed.join(', ')})`);
    }
  }
  return record;
}

/** The kind of a value, never the value itself. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : `a ${typeof value}`;
}

function configError(ctx: Ctx, at: string[], problem: string): ConfigError {
  return new ConfigError(ctx.source, at.join('.') || '(top level)', lineOf(ctx, at), problem);
}

function fail(ctx: Ctx, at: string[], problem: string): never {
  throw configError(ctx, at, problem);
}

/** The line of the deepest key of `at` that the file has (the parent's, for a missing key). */
function lineOf(ctx: Ctx, at: string[]): number | undefined {
  let node: unknown = ctx.doc.contents;
  let offset = isMap(node) ? node.range?.[0] : undefined;
  for (const key of at) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === key);
    if (!pair) break;
    offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
    node = pair.value;
  }
  return offset === undefined ? undefined : ctx.lines.linePos(offset).line;
}
