/**
 * Sends the VUs' HTTP requests from the main thread with k6's timing breakdown. Each VU has its
 * own keep-alive agent with one socket, as each k6 VU has its own connections.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { HttpRequest, HttpResult, HttpTimings } from './protocol.ts';

export type VuAgent = http.Agent;

export function vuAgent(secure: boolean): VuAgent {
  return secure ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
}

const zeroTimings = (): HttpTimings => ({ blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 });

/** k6 error codes (docs: "Error codes") for the failures a local test can meet. */
function errorCode(err: NodeJS.ErrnoException): { error: string; code: number } {
  switch (err.code) {
    case 'ECONNREFUSED':
      return { error: `dial: connection refused (${err.message})`, code: 1212 };
    case 'ECONNRESET':
      return { error: `connection reset by peer (${err.message})`, code: 1220 };
    case 'ETIMEDOUT':
      return { error: `request timeout (${err.message})`, code: 1050 };
    default:
      return { error: err.message, code: 1000 };
  }
}

export function sendRequest(req: HttpRequest, agents: { http: VuAgent; https: VuAgent }): Promise<HttpResult> {
  return new Promise((resolvePromise) => {
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    const timings = zeroTimings();
    const t0 = performance.now();
    let tSocket = t0;
    let tConnected = t0;
    let tSent = t0;
    let tFirstByte = t0;
    let socket: Socket | null = null;
    let written0 = 0;
    let read0 = 0;
    let settled = false;
    const finish = (result: Omit<HttpResult, 'timings' | 'bytesSent' | 'bytesReceived'>): void => {
      if (settled) return;
      settled = true;
      const bytesSent = socket ? socket.bytesWritten - written0 : 0;
      const bytesReceived = socket ? socket.bytesRead - read0 : 0;
      resolvePromise({ ...result, timings, bytesSent, bytesReceived });
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== null) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    const client = (secure ? https : http).request(url, {
      method: req.method,
      headers,
      agent: secure ? agents.https : agents.http,
    });
    client.setTimeout(req.timeoutMs, () => client.destroy(Object.assign(new Error(`no answer within ${req.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    client.on('socket', (s: Socket) => {
      socket = s;
      written0 = s.bytesWritten;
      read0 = s.bytesRead;
      tSocket = performance.now();
      timings.blocked = tSocket - t0;
      tConnected = tSocket;
      if (s.connecting) {
        s.once('connect', () => {
          tConnected = performance.now();
          timings.connecting = tConnected - tSocket;
        });
      }
    });
    client.on('finish', () => {
      tSent = performance.now();
      timings.sending = Math.max(0, tSent - tConnected);
    });
    client.on('response', (res) => {
      tFirstByte = performance.now();
      timings.waiting = tFirstByte - Math.max(tSent, tConnected);
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const tEnd = performance.now();
        timings.receiving = tEnd - tFirstByte;
        timings.duration = timings.sending + timings.waiting + timings.receiving;
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders[name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase())] = Array.isArray(value) ? value.join(', ') : value;
        }
        finish({
          status: res.statusCode ?? 0,
          statusText: `${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trim(),
          headers: responseHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
          proto: `HTTP/${res.httpVersion}`,
          error: '',
          errorCode: 0,
        });
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        const { error, code } = errorCode(err);
        finish({ status: 0, statusText: '', headers: {}, body: '', proto: '', error, errorCode: code });
      });
    });
    client.on('error', (err: NodeJS.ErrnoException) => {
      const { error, code } = errorCode(err);
      // k6 records sending + waiting + receiving, about 0 when nothing was sent (a refused
      // connection), not the time until the error.
      timings.duration = timings.sending + timings.waiting + timings.receiving;
      finish({ status: 0, statusText: '', headers: {}, body: '', proto: '', error, errorCode: code });
    });
    client.end(req.body ?? undefined);
  });
}
