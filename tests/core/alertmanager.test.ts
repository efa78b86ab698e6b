/**
 * The generated Alertmanager config: accepted by amtool (as committed, and with Slack and email
 * switched on), routed by severity (amtool config routes test), and inhibiting as designed on a
 * real Alertmanager that receives the alerts over its API.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { alertmanagerConfig, alertmanagerOptionsFromEnv } from '../../monitoring/generators/alertmanager-config.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';
import { startAlertmanager, type TestAlertmanager } from '../support/prometheus.ts';
import { bin } from '../support/engines.ts';
import { repoRoot, run, runOk } from './support.ts';

const committed = 'monitoring/alertmanager/alertmanager.yml';

function routeOf(labels: Record<string, string>): string {
  const args = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  const result = run(bin('amtool'), ['config', 'routes', 'test', `--config.file=${committed}`, ...args]);
  assert.equal(result.status, 0, result.output);
  return result.stdout.trim();
}

test('amtool check-config accepts the committed config', () => {
  const output = runOk(bin('amtool'), ['check-config', committed]);
  assert.match(output, /SUCCESS/);
  assert.match(output, /4 inhibit rules/);
});

test('amtool check-config accepts the config with Slack and email on (secrets as files)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'am-config-'));
  try {
    const options = alertmanagerOptionsFromEnv(
      {
        ALERTMANAGER_SLACK_API_URL_FILE: '/run/secrets/slack_api_url',
        ALERTMANAGER_SLACK_CHANNEL: '#pools',
        ALERTMANAGER_EMAIL_TO: 'oncall@example.com',
        ALERTMANAGER_EMAIL_FROM: 'alertmanager@example.com',
        ALERTMANAGER_SMTP_SMARTHOST: 'smtp.example.com:587',
        ALERTMANAGER_SMTP_USERNAME: 'alertmanager',
        ALERTMANAGER_SMTP_PASSWORD_FILE: '/run/secrets/smtp_password',
      },
      'http://127.0.0.1:9097/alerts',
    );
    const text = generatedYaml(alertmanagerConfig(options), 'test');
    assert.match(text, /api_url_file: \/run\/secrets\/slack_api_url/);
    assert.match(text, /auth_password_file: \/run\/secrets\/smtp_password/);
    const file = join(dir, 'alertmanager.yml');
    await writeFile(file, text);
    assert.match(runOk(bin('amtool'), ['check-config', file]), /SUCCESS/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('npm run generate -- --alertmanager-from-env writes a Slack-enabled config that amtool accepts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'am-env-'));
  try {
    const file = join(dir, 'alertmanager.yml');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'monitoring/generate.ts', '--alertmanager-from-env', file, '--sink-url', 'http://127.0.0.1:9097/alerts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, ALERTMANAGER_SLACK_API_URL_FILE: '/etc/alertmanager/secrets/slack_api_url', ALERTMANAGER_EMAIL_TO: '' },
    });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /slack on, email off/);
    const text = await readFile(file, 'utf8');
    assert.match(text, /api_url_file: \/etc\/alertmanager\/secrets\/slack_api_url/);
    assert.match(text, /url: http:\/\/127\.0\.0\.1:9097\/alerts/);
    assert.match(runOk(bin('amtool'), ['check-config', file]), /SUCCESS/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the committed config sends only to the notification sink and holds no secret', async () => {
  const text = await readFile(committed, 'utf8');
  assert.match(text, /url: http:\/\/notification-sink:9097\/alerts/);
  assert.doesNotMatch(text, /slack_configs|email_configs|api_url:|auth_password:/);
});

test('bad settings are refused with the setting named', () => {
  assert.throws(() => alertmanagerConfig({ sinkUrl: 'not a url' }), /sinkUrl is not a URL: "not a url"/);
  assert.throws(() => alertmanagerOptionsFromEnv({ ALERTMANAGER_EMAIL_TO: 'a@b.c' }, 'http://x/'), /ALERTMANAGER_EMAIL_FROM and ALERTMANAGER_SMTP_SMARTHOST are required/);
});

test('amtool config routes test: each severity reaches its receiver', () => {
  assert.equal(routeOf({ alertname: 'GrpcPoolUnhealthy', service: 'order-service', severity: 'critical' }), 'critical');
  assert.equal(routeOf({ alertname: 'GrpcPoolDegraded', service: 'order-service', severity: 'warning' }), 'warning');
  assert.equal(routeOf({ alertname: 'Watchdog', severity: 'info' }), 'info');
  assert.equal(routeOf({ alertname: 'SomethingUnlabelled' }), 'default');
  assert.equal(routeOf({ alertname: 'X', severity: 'page' }), 'default');
});

test('amtool config routes test --verify-receivers fails on a wrong expectation (the check can fail)', () => {
  const result = run(bin('amtool'), ['config', 'routes', 'test', `--config.file=${committed}`, '--verify.receivers=warning', 'severity=critical']);
  assert.notEqual(result.status, 0, result.output);
  assert.match(result.output, /Expected receivers did not match/);
});

describe('inhibition on a running Alertmanager', () => {
  let am: TestAlertmanager;
  before(async () => {
    // The sink is a closed port: notifications fail, which does not matter for inhibition.
    const config = generatedYaml(alertmanagerConfig({ sinkUrl: 'http://127.0.0.1:9/alerts' }), 'test');
    am = await startAlertmanager({ config });
  });
  after(async () => {
    await am?.stop();
  });

  interface AmAlert {
    labels: Record<string, string>;
    status: { state: string; inhibitedBy: string[] };
  }

  async function post(alerts: Record<string, string>[]): Promise<void> {
    const body = alerts.map((labels) => ({ labels, annotations: { summary: 'test.' } }));
    const res = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.text());
  }

  async function stateOf(match: Record<string, string>): Promise<string> {
    // Inhibition is computed asynchronously after an alert arrives: poll briefly.
    let last = 'missing';
    for (let i = 0; i < 50; i++) {
      const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[];
      const found = alerts.find((a) => Object.entries(match).every(([k, v]) => a.labels[k] === v));
      last = found ? found.status.state : 'missing';
      if (found && (found.status.state === 'suppressed' || i > 10)) return last;
      await sleep(100);
    }
    return last;
  }

  test('a missing pool manager silences that service\'s pool warnings only', async () => {
    await post([
      { alertname: 'GrpcPoolManagerUnavailable', service: 'order-service', severity: 'critical' },
      { alertname: 'GrpcPoolDegraded', service: 'order-service', pool: 'payment-service', severity: 'warning' },
      { alertname: 'GrpcPoolDegraded', service: 'api-gateway', pool: 'order-service', severity: 'warning' },
    ]);
    assert.equal(await stateOf({ alertname: 'GrpcPoolDegraded', service: 'order-service' }), 'suppressed');
    assert.equal(await stateOf({ alertname: 'GrpcPoolDegraded', service: 'api-gateway' }), 'active');
    assert.equal(await stateOf({ alertname: 'GrpcPoolManagerUnavailable' }), 'active');
  });

  test('an unhealthy pool silences the failing-connections warning of that pool only', async () => {
    // order-service's pool warnings are already silenced by the test above: use the gateway and payment-service.
    await post([
      { alertname: 'GrpcPoolUnhealthy', service: 'api-gateway', pool: 'order-service', severity: 'critical' },
      { alertname: 'GrpcPoolConnectionsFailing', service: 'api-gateway', pool: 'order-service', severity: 'warning' },
      { alertname: 'GrpcPoolConnectionsFailing', service: 'api-gateway', pool: 'user-service', severity: 'warning' },
      { alertname: 'GrpcPoolConnectionsFailing', service: 'payment-service', pool: 'order-service', severity: 'warning' },
    ]);
    assert.equal(await stateOf({ alertname: 'GrpcPoolConnectionsFailing', service: 'api-gateway', pool: 'order-service' }), 'suppressed');
    assert.equal(await stateOf({ alertname: 'GrpcPoolConnectionsFailing', service: 'api-gateway', pool: 'user-service' }), 'active');
    assert.equal(await stateOf({ alertname: 'GrpcPoolConnectionsFailing', service: 'payment-service', pool: 'order-service' }), 'active');
  });

  test('a critical alert silences the warning of the same alert and service', async () => {
    // No generated alert has both severities yet (docs/core.md): the critical twin is synthetic,
    // to pin the rule's `equal` labels for the first alert that gets one.
    await post([
      { alertname: 'LoadTestPaymentServiceLatencyHigh', service: 'payment-service', severity: 'critical', testid: 'a' },
      { alertname: 'LoadTestPaymentServiceLatencyHigh', service: 'payment-service', severity: 'warning', testid: 'a' },
      { alertname: 'LoadTestPaymentServiceLatencyHigh', service: 'order-service', severity: 'warning', testid: 'a' },
    ]);
    assert.equal(await stateOf({ alertname: 'LoadTestPaymentServiceLatencyHigh', service: 'payment-service', severity: 'warning' }), 'suppressed');
    assert.equal(await stateOf({ alertname: 'LoadTestPaymentServiceLatencyHigh', service: 'order-service', severity: 'warning' }), 'active');
  });

  test('a down exporter silences the pool warnings of every service', async () => {
    // Self-contained: every alert it checks is posted here, whatever ran before.
    await post([
      { alertname: 'PoolHealthProbeFailing', service: 'payment-service', severity: 'warning' },
      { alertname: 'GrpcPoolDegraded', service: 'api-gateway', pool: 'order-service', severity: 'warning' },
      { alertname: 'LoadTestChecksFailing', service: 'loadtest', testid: 'b', severity: 'warning' },
      { alertname: 'PoolExporterDown', service: 'pool-exporter', job: 'pool-exporter', severity: 'critical' },
    ]);
    assert.equal(await stateOf({ alertname: 'PoolHealthProbeFailing', service: 'payment-service' }), 'suppressed');
    assert.equal(await stateOf({ alertname: 'GrpcPoolDegraded', service: 'api-gateway' }), 'suppressed');
    // Only pool warnings: a load-test warning is not explained by a dead exporter.
    assert.equal(await stateOf({ alertname: 'LoadTestChecksFailing', testid: 'b' }), 'active');
  });
});
