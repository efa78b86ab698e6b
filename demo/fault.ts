/**
 * `npm run demo:fault -- <service> down|up|latency <ms>` and `npm run demo:fault -- status`:
 * drives the admin endpoint of a running shop (DEMO_ADMIN_URL, or 127.0.0.1:DEMO_ADMIN_PORT, default 8099).
 */
import { demoShopPorts } from '../monitoring/config/stack.ts';
import { faultActions } from './admin.ts';
import { defectNames } from './gateway/defects.ts';
import { parseServiceName, serviceNames } from './lib/services.ts';

const usage = `usage: npm run demo:fault -- <service> down|up|latency <ms>   (service: ${serviceNames.join(', ')})
       npm run demo:fault -- defect <name> on|off                (name: ${defectNames.join(', ')})
       npm run demo:fault -- status`;

function adminUrl(): string {
  if (process.env.DEMO_ADMIN_URL) return process.env.DEMO_ADMIN_URL.replace(/\/$/, '');
  const port = process.env.DEMO_ADMIN_PORT ?? String(demoShopPorts.admin);
  return `http://127.0.0.1:${port}`;
}

async function request(method: 'GET' | 'POST', path: string, body?: object): Promise<unknown> {
  const url = `${adminUrl()}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new Error(`${method} ${url}: is the shop running (npm run demo)? ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function main(args: string[]): Promise<void> {
  const [first, action, value, ...extra] = args;
  if (first === 'status' && action === undefined) {
    console.log(JSON.stringify(await request('GET', '/admin/services'), null, 2));
    console.log(JSON.stringify(await request('GET', '/admin/defects'), null, 2));
    return;
  }
  if (first === 'defect') {
    if (action === undefined || !(defectNames as readonly string[]).includes(action) || (value !== 'on' && value !== 'off') || extra.length > 0) {
      throw new Error(`bad arguments ${JSON.stringify(args)}\n${usage}`);
    }
    console.log(JSON.stringify(await request('POST', `/admin/defects/${action}/${value}`)));
    return;
  }
  const service = first === undefined ? undefined : parseServiceName(first);
  if (!service) throw new Error(`unknown service ${JSON.stringify(first ?? '')}\n${usage}`);
  if (action === undefined || !(faultActions as readonly string[]).includes(action) || extra.length > 0) throw new Error(`bad arguments ${JSON.stringify(args)}\n${usage}`);
  let body: object | undefined;
  if (action === 'latency') {
    const ms = Number(value);
    if (value === undefined || !Number.isFinite(ms) || ms < 0) throw new Error(`latency needs a number of milliseconds >= 0, got ${JSON.stringify(value ?? '')}\n${usage}`);
    body = { ms };
  } else if (value !== undefined) {
    throw new Error(`${action} takes no value\n${usage}`);
  }
  const answer = await request('POST', `/admin/services/${service}/${action}`, body);
  console.log(JSON.stringify(answer));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`demo:fault: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
