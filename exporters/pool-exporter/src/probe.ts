/**
 * Fetch one target's pool health document, with limits: a probe deadline, a connect deadline,
 * a body size cap, no redirects. Never rejects: every failure comes back as a reason.
 * Each exporter has its own client (its own kept-alive connections).
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { ProbeFailureReason } from '../../../contract/metrics.ts';
import type { TargetConfig } from './config.ts';

export type FailureReason = ProbeFailureReason;

export type FetchResult =
  | { ok: true; status: number; body: string }
  /** status is 0 when no response was received. */
  | { ok: false; status: number; reason: FailureReason; detail: string };

export interface FetchLimits {
  timeoutMs: number;
  bodySizeLimitBytes: number;
  /** Aborted when the scrape that asked for this probe has gone away. */
  signal?: AbortSignal;
}

/** A 503 carries the same document as a 200 (the service is up, its pools are not). */
export function isAcceptedStatus(status: number): boolean {
  return (status >= 200 && status < 300) || status === 503;
}

export interface TargetClient {
  fetch(target: TargetConfig, limits: FetchLimits): Promise<FetchResult>;
  /** Close the kept-alive connections (at shutdown). */
  close(): void;
}

// Keep-alive across scrapes. Idle sockets are dropped after 4 s, before the common 5 s server
// idle timeout (Node's default); Node also honours a shorter `Keep-Alive: timeout=` hint.
const agentOptions = { keepAlive: true, timeout: 4_000, maxFreeSockets: 64 };

export function createTargetClient(): TargetClient {
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };
  return {
    fetch: (target, limits) => fetchTarget(agents, target, limits),
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/**
 * llhttp's parse errors (HPE_*) before any status line, or TLS meeting a plain-text port: the
 * port answers, but not in HTTP/1.x (an HTTP/2-only or gRPC server sends a binary SETTINGS frame).
 */
function protocolMismatch(err: NodeJS.ErrnoException, statusReceived: boolean): string | undefined {
  if (!statusReceived && err.code?.startsWith('HPE_')) {
    return `the answer is not HTTP/1.x (${err.code}); an HTTP/2-only port, such as a gRPC server's, answers this way`;
  }
  if (err.code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(err.message)) {
    return 'the port does not speak TLS (OpenSSL: wrong version number); is the target http:, not https:?';
  }
  return undefined;
}

function fetchTarget(agents: Record<'http:' | 'https:', http.Agent>, target: TargetConfig, limits: FetchLimits): Promise<FetchResult> {
  return new Promise((resolve) => {
    let settled = false;
    let current: http.ClientRequest | undefined;
    let connectTimer: NodeJS.Timeout | undefined;
    let status = 0;

    const finish = (result: FetchResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(connectTimer);
      limits.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const fail = (reason: FailureReason, detail: string): void => {
      finish({ ok: false, status, reason, detail });
      current?.destroy();
    };
    const onAbort = (): void => fail('timeout', 'the scrape was cancelled by its client');
    const deadline = setTimeout(
      () => fail('timeout', `no complete answer within ${limits.timeoutMs} ms`),
      limits.timeoutMs,
    );
    if (limits.signal?.aborted) return onAbort();
    limits.signal?.addEventListener('abort', onAbort, { once: true });

    const attempt = (mayRetry: boolean): void => {
      const req = (target.url.protocol === 'https:' ? https : http).request(target.url, {
        method: 'GET',
        // The retry takes a new connection of its own: another pooled socket may be just as stale.
        agent: mayRetry ? agents[target.url.protocol === 'https:' ? 'https:' : 'http:'] : false,
        headers: { accept: 'application/json', 'user-agent': 'pool-exporter', ...target.headers },
      });
      current = req;
      req.on('socket', (socket: Socket) => {
        clearTimeout(connectTimer);
        if (!socket.connecting) return;
        connectTimer = setTimeout(
          () => fail('timeout', `could not connect within ${target.connectTimeoutMs} ms`),
          target.connectTimeoutMs,
        );
        // Over https the connect deadline covers the TLS handshake too.
        socket.once(target.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        // A kept-alive socket the server closed while idle: the request never reached it.
        if (mayRetry && req.reusedSocket && status === 0 && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          attempt(false);
          return;
        }
        const mismatch = protocolMismatch(err, status !== 0);
        if (mismatch) fail('protocol', mismatch);
        else fail('connect', `${err.code ?? 'error'}: ${err.message}`);
      });
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        if (!isAcceptedStatus(status)) {
          const where = res.headers.location ? ` (redirects are not followed; Location: ${res.headers.location})` : '';
          fail('http_status', `HTTP ${status}${where}`);
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (declared > limits.bodySizeLimitBytes) {
          fail('too_large', `Content-Length ${declared} exceeds the ${limits.bodySizeLimitBytes} byte limit`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.length;
          if (size > limits.bodySizeLimitBytes) {
            fail('too_large', `body exceeds the ${limits.bodySizeLimitBytes} byte limit`);
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish({ ok: true, status, body: Buffer.concat(chunks, size).toString('utf8') }));
        res.on('error', (err) => fail('connect', `body read failed: ${err.message}`));
        res.on('close', () => {
          if (!res.complete) fail('connect', 'the connection closed before the body was complete');
        });
      });
      req.end();
    };
    attempt(true);
  });
}
