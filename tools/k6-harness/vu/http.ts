/**
 * The `k6/http` module: synchronous requests (through the main thread), k6's built-in HTTP
 * metrics with k6's system tags, expected-status callbacks, http.url grouping.
 */
import type { HttpResult } from '../protocol.ts';
import { contextTags, defineMetric, emit, syncHttp, vuState } from './runtime.ts';

for (const name of ['http_req_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking', 'http_req_sending', 'http_req_waiting', 'http_req_receiving']) {
  defineMetric({ name, type: 'trend', contains: 'time' });
}
defineMetric({ name: 'http_reqs', type: 'counter', contains: 'default' });
defineMetric({ name: 'http_req_failed', type: 'rate', contains: 'default' });
defineMetric({ name: 'data_sent', type: 'counter', contains: 'data' });
defineMetric({ name: 'data_received', type: 'counter', contains: 'data' });

interface StatusRange {
  min: number;
  max: number;
}

type ExpectedStatuses = ((status: number) => boolean) & { __expectedStatuses: true };

export function expectedStatuses(...specs: (number | StatusRange)[]): ExpectedStatuses {
  for (const spec of specs) {
    const ok = typeof spec === 'number' ? Number.isInteger(spec) : Number.isInteger(spec?.min) && Number.isInteger(spec?.max);
    if (!ok) throw new Error(`expectedStatuses: ${JSON.stringify(spec)} is neither a status code nor {min, max}`);
  }
  const fn = (status: number): boolean =>
    specs.some((spec) => (typeof spec === 'number' ? status === spec : status >= spec.min && status <= spec.max));
  return Object.assign(fn, { __expectedStatuses: true as const });
}

const defaultExpected = expectedStatuses({ min: 200, max: 399 });

export function setResponseCallback(callback: ExpectedStatuses | null): void {
  vuState.responseCallback = callback;
}

/** http.url`...`: the URL plus a name tag with the dynamic parts replaced by ${}. */
class HttpURL {
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
  toString(): string {
    return this.url;
  }
}

export function url(strings: TemplateStringsArray, ...args: unknown[]): HttpURL {
  let full = strings[0] ?? '';
  let name = strings[0] ?? '';
  args.forEach((arg, i) => {
    full += String(arg) + (strings[i + 1] ?? '');
    name += `\${}${strings[i + 1] ?? ''}`;
  });
  return new HttpURL(full, name);
}

interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: string | number;
  responseCallback?: ExpectedStatuses | null;
  responseType?: 'text' | 'binary' | 'none';
}

function timeoutMs(timeout: string | number | undefined): number {
  if (timeout === undefined) return 60_000;
  if (typeof timeout === 'number') return timeout;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(timeout);
  if (!match) throw new Error(`http params timeout ${JSON.stringify(timeout)} is not like 500ms, 10s or 1m`);
  const factor = match[2] === 'ms' ? 1 : match[2] === 's' ? 1000 : 60_000;
  return Number(match[1]) * factor;
}

function encodeBody(body: unknown, headers: Record<string, string>): string | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (typeof body === 'object') {
    // k6 form-encodes plain objects.
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    return new URLSearchParams(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, String(v)])).toString();
  }
  return String(body);
}

function jsonSelect(value: unknown, selector: string): unknown {
  let current = value;
  for (const part of selector.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    const index = /^#?(\d+)$/.exec(part);
    current = Array.isArray(current) && index ? current[Number(index[1])] : (current as Record<string, unknown>)[part];
  }
  return current;
}

function makeResponse(method: string, target: string, requestBody: string | null, headers: Record<string, string>, result: HttpResult) {
  return {
    status: result.status,
    status_text: result.statusText,
    body: result.body,
    headers: result.headers,
    timings: result.timings,
    url: target,
    proto: result.proto,
    error: result.error,
    error_code: result.errorCode,
    request: { method, url: target, body: requestBody ?? '', headers, cookies: {} },
    cookies: {},
    json(selector?: string): unknown {
      let parsed: unknown;
      try {
        parsed = JSON.parse(result.body);
      } catch (err) {
        throw new Error(`${method} ${target}: response body is not JSON (${String(err)}): ${result.body.slice(0, 200)}`);
      }
      return selector ? jsonSelect(parsed, selector) : parsed;
    },
  };
}

export function request(method: string, target: string | HttpURL, body?: unknown, params: Params = {}) {
  if (vuState.phase === 'init') throw new Error(`${method} ${String(target)}: HTTP requests are not allowed in the init context`);
  const fullUrl = typeof target === 'string' ? target : target.url;
  if (!/^https?:\/\//.test(fullUrl)) throw new Error(`${method} ${fullUrl}: only absolute http(s) URLs are supported`);
  const headers: Record<string, string> = { 'User-Agent': 'k6-harness (+tools/k6-harness)', ...params.headers };
  const requestBody = encodeBody(body, headers);
  const result = syncHttp({ method: method.toUpperCase(), url: fullUrl, headers, body: requestBody, timeoutMs: timeoutMs(params.timeout) });

  // undefined: k6's default callback; null (per request or through setResponseCallback): none.
  const callback = params.responseCallback !== undefined ? params.responseCallback : vuState.responseCallback === undefined ? defaultExpected : vuState.responseCallback;
  // k6 >= 0.41 (lib/netext/httpext/transport.go): `url` carries the same value as `name`, the
  // manual name or http.url's template when there is one, so a named request is one series.
  const name = params.tags?.name ?? (typeof target === 'string' ? fullUrl : target.name);
  const tags: Record<string, string> = { ...contextTags(), ...params.tags, name, url: name, method: method.toUpperCase() };
  // HTTP >= 400 gets k6's error code 1000 + status; no response at all gets status 0.
  const errorCode = result.error ? result.errorCode : result.status >= 400 ? 1000 + result.status : 0;
  if (result.error) tags.error = result.error;
  if (errorCode !== 0) tags.error_code = String(errorCode);
  tags.status = String(result.status);
  if (!result.error) tags.proto = result.proto;
  const expected = callback ? callback(result.status) : null;
  if (expected !== null) tags.expected_response = String(expected);
  const now = Date.now();
  const t = result.timings;
  emit('http_reqs', 1, tags, now);
  emit('http_req_duration', t.duration, tags, now);
  emit('http_req_blocked', t.blocked, tags, now);
  emit('http_req_connecting', t.connecting, tags, now);
  emit('http_req_tls_handshaking', t.tls_handshaking, tags, now);
  emit('http_req_sending', t.sending, tags, now);
  emit('http_req_waiting', t.waiting, tags, now);
  emit('http_req_receiving', t.receiving, tags, now);
  if (expected !== null) emit('http_req_failed', expected ? 0 : 1, tags, now);
  const dataTags = contextTags();
  emit('data_sent', result.bytesSent, dataTags, now);
  emit('data_received', result.bytesReceived, dataTags, now);
  return makeResponse(method.toUpperCase(), fullUrl, requestBody, headers, { ...result, errorCode });
}

export const get = (target: string | HttpURL, params?: Params) => request('GET', target, null, params);
export const head = (target: string | HttpURL, params?: Params) => request('HEAD', target, null, params);
export const post = (target: string | HttpURL, body?: unknown, params?: Params) => request('POST', target, body, params);
export const put = (target: string | HttpURL, body?: unknown, params?: Params) => request('PUT', target, body, params);
export const patch = (target: string | HttpURL, body?: unknown, params?: Params) => request('PATCH', target, body, params);
export const del = (target: string | HttpURL, body?: unknown, params?: Params) => request('DELETE', target, body, params);
export const options = (target: string | HttpURL, body?: unknown, params?: Params) => request('OPTIONS', target, body, params);

export default { request, get, head, post, put, patch, del, options, url, expectedStatuses, setResponseCallback };
