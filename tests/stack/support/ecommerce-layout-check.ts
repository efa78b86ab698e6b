/**
 * Run inside its own network namespace (tests/stack/ecommerce-preset.test.ts starts it with
 * `unshare -n`): the demo shop on datngth03/ecommerce-go-app's ports (gateway 8000, services' HTTP
 * 8001-8006, gRPC 9001-9006), then `stack:up --native --demo --targets ecommerce-go-app` on the
 * stack's default ports. Prints one JSON line with what Prometheus saw, then stops the stack.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ports } from '../../../monitoring/config/stack.ts';
import { repoRoot } from '../../../scripts/stack/settings.ts';
import { prometheusClient } from '../../support/prometheus.ts';

/** The real system's layout, as the demo shop's port variables (monitoring/config/targets.ts ecommerce-go-app). */
export const realLayoutEnv: Record<string, string> = {
  DEMO_GATEWAY_PORT: '8000',
  DEMO_USER_HEALTH_PORT: '8001',
  DEMO_PRODUCT_HEALTH_PORT: '8002',
  DEMO_ORDER_HEALTH_PORT: '8003',
  DEMO_NOTIFICATION_HEALTH_PORT: '8004',
  DEMO_INVENTORY_HEALTH_PORT: '8005',
  DEMO_PAYMENT_HEALTH_PORT: '8006',
  DEMO_USER_GRPC_PORT: '9001',
  DEMO_PRODUCT_GRPC_PORT: '9002',
  DEMO_ORDER_GRPC_PORT: '9003',
  DEMO_NOTIFICATION_GRPC_PORT: '9004',
  DEMO_INVENTORY_GRPC_PORT: '9005',
  DEMO_PAYMENT_GRPC_PORT: '9006',
};

const stateDir = mkdtempSync(join(tmpdir(), 'ecommerce-layout-'));
const env = { ...process.env, ...realLayoutEnv, STACK_STATE_DIR: stateDir, GF_ADMIN_PASSWORD_FILE: join(stateDir, 'grafana_admin_password'), TARGETS: '' };
const run = (entry: string, args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout: 180_000 });

const result: Record<string, unknown> = {};
try {
  const up = run('scripts/stack/up.ts', ['--native', '--demo', '--targets', 'ecommerce-go-app', '--no-generate']);
  result.upStatus = up.status;
  result.upOutput = `${up.stdout}${up.stderr}`.slice(-3000);
  if (up.status === 0) {
    const prom = prometheusClient(`http://127.0.0.1:${ports.prometheus}`);
    const deadline = Date.now() + 90_000;
    // Every target answered at least three times: any failing probe would hold an alert pending by then.
    while (Date.now() < deadline) {
      const scraped = await prom.query('min(count_over_time(up[1m])) >= 3');
      if (scraped.length > 0) break;
      await sleep(1_000);
    }
    const labels = async (expr: string) => (await prom.query(expr)).map((r) => r.metric.service ?? r.metric.job ?? '').sort();
    result.poolProbes = await labels('probe_success{job="grpc-pools"} == 1');
    result.grpcHealth = await labels('probe_success{job="grpc-health"} == 1');
    result.metrics = await labels('up{job="service-metrics"} == 1');
    result.failing = await labels('probe_success == 0 or up == 0');
    result.alerts = (await prom.query('ALERTS')).map((r) => `${r.metric.alertname}/${r.metric.service ?? ''}/${r.metric.alertstate}`);
  }
} finally {
  result.downStatus = run('scripts/stack/down.ts', []).status;
  rmSync(stateDir, { recursive: true, force: true });
}
console.log(`RESULT ${JSON.stringify(result)}`);
