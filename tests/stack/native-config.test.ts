/**
 * Native mode runs the generated configs with only addresses changed. Checked with the real tools:
 * promtool and amtool accept the native copies, and no compose host name is left in them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addressMap, rewriteAddresses, writeNativeConfigs } from '../../scripts/stack/native-config.ts';
import YAML from 'yaml';
import { parseConfig } from '../../exporters/pool-exporter/src/config.ts';
import { composePrometheusOptions } from '../../monitoring/generators/prometheus-config.ts';
import { parsePoolTargets, poolHealthUrls, selectedPrometheusOptions } from '../../scripts/stack/own-targets.ts';
import { repoRoot, stackSettings, targetSelection, wantsExtraReceivers, type StackSettings } from '../../scripts/stack/settings.ts';
import { bin } from '../support/engines.ts';

const dir = mkdtempSync(join(tmpdir(), 'native-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function settingsIn(sub: string, extra: Partial<StackSettings> = {}): StackSettings {
  return {
    ...stackSettings({ STACK_STATE_DIR: join(dir, sub), PROMETHEUS_PORT: '19090', ALERTMANAGER_PORT: '19093', POOL_EXPORTER_PORT: '19470', NOTIFICATION_SINK_PORT: '19097' }),
    ...extra,
  };
}

function check(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
}

describe('native configs', () => {
  it('rewrites whole host:port tokens only', () => {
    const map = addressMap(settingsIn('map'));
    assert.equal(rewriteAddresses('- pool-exporter:9470', map), '- 127.0.0.1:19470');
    assert.equal(rewriteAddresses('url: http://notification-sink:9097/alerts', map), 'url: http://127.0.0.1:19097/alerts');
    assert.equal(rewriteAddresses('- my-pool-exporter:9470', map), '- my-pool-exporter:9470');
    assert.equal(rewriteAddresses('- pool-exporter:94701', map), '- pool-exporter:94701');
  });

  it('gives Prometheus and Alertmanager files their own tools accept, with no compose host left', () => {
    const paths = writeNativeConfigs(settingsIn('plain'));
    check(bin('promtool'), ['check', 'config', paths.prometheusConfig]);
    check(bin('amtool'), ['check-config', paths.alertmanagerConfig]);
    const texts = [readFileSync(paths.prometheusConfig, 'utf8'), readFileSync(paths.alertmanagerConfig, 'utf8')];
    for (const sub of ['datasources', 'dashboards']) {
      const folder = join(paths.grafanaProvisioning, sub);
      for (const f of readdirSync(folder)) texts.push(readFileSync(join(folder, f), 'utf8'));
    }
    for (const text of texts) {
      assert.doesNotMatch(text, /\b(prometheus|alertmanager|pool-exporter|notification-sink|grafana):\d+/, text);
      assert.doesNotMatch(text, /\/var\/lib\/grafana\/dashboards/);
    }
    assert.match(texts[0] ?? '', /127\.0\.0\.1:19470/);
    assert.match(texts[1] ?? '', /http:\/\/127\.0\.0\.1:19097\/alerts/);
    // Every rule file the committed config names is loaded (promtool counted them above); the paths are absolute.
    assert.match(texts[0] ?? '', new RegExp(`${repoRoot}/monitoring/prometheus/rules/\\*\\.yml`));
    // The notification templates too (amtool counted them: a glob matching nothing passes amtool).
    assert.ok((texts[1] ?? '').includes(`${repoRoot}/monitoring/alertmanager/templates/*.tmpl`), texts[1]);
  });

  it('uses the Slack/email Alertmanager config when .env asks for one, with secrets read from this checkout', () => {
    const env = { ...process.env, ALERTMANAGER_SLACK_API_URL_FILE: '/run/secrets/slack_api_url', ALERTMANAGER_SLACK_CHANNEL: '#pools' };
    assert.equal(wantsExtraReceivers(env), true);
    assert.equal(wantsExtraReceivers({}), false);
    const local = join(dir, 'alertmanager.local.yml');
    execFileSync(process.execPath, ['--import', 'tsx', 'monitoring/generate.ts', '--alertmanager-from-env', local], { cwd: repoRoot, env });
    const secrets = join(repoRoot, 'secrets');
    const paths = writeNativeConfigs(settingsIn('slack', { localAlertmanagerConfig: local }));
    const text = readFileSync(paths.alertmanagerConfig, 'utf8');
    assert.match(text, /slack_configs/);
    assert.match(text, /#pools/);
    assert.ok(text.includes(`${secrets}/slack_api_url`), text);
    assert.ok(text.includes(`${repoRoot}/monitoring/alertmanager/templates/*.tmpl`), text);
    // amtool reads *_file fields lazily, so the config is valid without the secret present.
    const copy = join(dir, 'am-check.yml');
    writeFileSync(copy, text);
    check(bin('amtool'), ['check-config', copy]);
  });

  it('reads POOL_TARGETS as name=url pairs and names the wrong entry otherwise', () => {
    assert.deepEqual(parsePoolTargets('gw=http://10.1.2.3:8000/health/pools/detailed, orders=https://orders.internal/health/pools/detailed'), {
      gw: 'http://10.1.2.3:8000/health/pools/detailed',
      orders: 'https://orders.internal/health/pools/detailed',
    });
    assert.throws(() => parsePoolTargets('gw'), /"gw" must be name=url/);
    assert.throws(() => parsePoolTargets('gw=not a url'), /target gw has no valid URL/);
    assert.throws(() => parsePoolTargets('gw=file:///etc/passwd'), /must use http or https/);
    assert.throws(() => parsePoolTargets('gw=http://a/x,gw=http://b/x'), /listed twice/);
    assert.throws(() => parsePoolTargets(' , '), /lists no name=url pair/);
    assert.throws(() => stackSettings({ POOL_TARGETS: 'bad' }), /POOL_TARGETS/);
  });

  it('probes your own services from POOL_TARGETS (+ METRICS_TARGETS, GRPC_HEALTH_TARGETS): Prometheus and the exporter agree, no preset target is left', () => {
    const settings = stackSettings({
      STACK_STATE_DIR: join(dir, 'own'),
      POOL_TARGETS: 'billing-gw=http://127.0.0.1:18000/health/pools/detailed,ledger=http://127.0.0.1:19003/health/pools/detailed',
      METRICS_TARGETS: 'billing-gw=127.0.0.1:18000',
      GRPC_HEALTH_TARGETS: 'ledger=ledger.internal:19103',
    });
    const paths = writeNativeConfigs(settings, {});
    check(bin('promtool'), ['check', 'config', paths.prometheusConfig]);
    check(process.execPath, ['--import', 'tsx', join(repoRoot, 'exporters/pool-exporter/src/main.ts'), '--config', paths.poolExporterConfig, '--check-config']);
    const prom = YAML.parse(readFileSync(paths.prometheusConfig, 'utf8')) as PromDoc;
    assert.deepEqual(jobTargets(prom, 'grpc-pools'), [[undefined, 'billing-gw,ledger']]);
    assert.deepEqual(jobTargets(prom, 'service-metrics'), [['billing-gw', '127.0.0.1:18000']]);
    assert.deepEqual(jobTargets(prom, 'grpc-health'), [['ledger', 'ledger.internal:19103']]);
    assert.doesNotMatch(readFileSync(paths.prometheusConfig, 'utf8'), /api-gateway|payment-service/);
    const exporter = readFileSync(paths.poolExporterConfig, 'utf8');
    assert.match(exporter, /billing-gw:\n\s+url: http:\/\/127\.0\.0\.1:18000\/health\/pools\/detailed/);
    assert.ok(paths.poolExporterConfig.startsWith(join(dir, 'own')), 'native mode keeps its target files in the state dir');
    assert.throws(() => stackSettings({ METRICS_TARGETS: 'a=h:1' }), /set POOL_TARGETS too/);
    assert.throws(() => stackSettings({ POOL_TARGETS: 'a=http://h/x', GRPC_HEALTH_TARGETS: 'b=nohost' }), /GRPC_HEALTH_TARGETS: target b must be host:port/);
  });

  it('renders the ecommerce-go-app preset: pool health of the gateway only, /metrics on 8000-8006, gRPC health on 9001-9006', () => {
    const paths = writeNativeConfigs(stackSettings({ STACK_STATE_DIR: join(dir, 'ecommerce'), TARGETS: 'ecommerce-go-app', BLACKBOX_EXPORTER_PORT: '19115' }), {});
    check(bin('promtool'), ['check', 'config', paths.prometheusConfig]);
    const prom = YAML.parse(readFileSync(paths.prometheusConfig, 'utf8')) as PromDoc;
    assert.deepEqual(jobTargets(prom, 'grpc-pools'), [[undefined, 'api-gateway']]);
    assert.deepEqual(jobTargets(prom, 'service-metrics'), [
      ['api-gateway', '127.0.0.1:8000'],
      ['user-service', '127.0.0.1:8001'],
      ['product-service', '127.0.0.1:8002'],
      ['order-service', '127.0.0.1:8003'],
      ['inventory-service', '127.0.0.1:8005'],
      ['payment-service', '127.0.0.1:8006'],
    ]);
    assert.deepEqual(jobTargets(prom, 'grpc-health'), [
      ['user-service', '127.0.0.1:9001'],
      ['product-service', '127.0.0.1:9002'],
      ['order-service', '127.0.0.1:9003'],
      ['inventory-service', '127.0.0.1:9005'],
      ['payment-service', '127.0.0.1:9006'],
    ]);
    assert.equal(prom.scrape_configs.find((j) => j.job_name === 'grpc-health')?.relabel_configs?.at(-1)?.replacement, '127.0.0.1:19115');
    const exporter = YAML.parse(readFileSync(paths.poolExporterConfig, 'utf8')) as { targets: Record<string, { url: string }> };
    assert.deepEqual(Object.fromEntries(Object.entries(exporter.targets).map(([k, v]) => [k, v.url])), { 'api-gateway': 'http://127.0.0.1:8000/health/pools/detailed' });
  });

  it('takes hosts from one setting: TARGET_HOST, else 127.0.0.1 natively and each compose service name under compose', () => {
    const base = { STACK_STATE_DIR: join(dir, 'hosts'), TARGETS: 'ecommerce-go-app' };
    const compose = selectedPrometheusOptions(composePrometheusOptions, targetSelection(stackSettings(base), 'compose', {}));
    assert.deepEqual(compose.grpcHealthTargets?.map((t) => t.address), ['user-service:9001', 'product-service:9002', 'order-service:9003', 'inventory-service:9005', 'payment-service:9006']);
    const docker = selectedPrometheusOptions(composePrometheusOptions, targetSelection(stackSettings({ ...base, TARGET_HOST: 'host.docker.internal' }), 'compose', {}));
    assert.ok(docker.metricsTargets?.every((t) => t.address.startsWith('host.docker.internal:')));
    assert.deepEqual(poolHealthUrls(targetSelection(stackSettings({ ...base, TARGET_HOST: 'host.docker.internal' }), 'compose', {})), {
      'api-gateway': 'http://host.docker.internal:8000/health/pools/detailed',
    });
    const demo = selectedPrometheusOptions(composePrometheusOptions, targetSelection(stackSettings({ STACK_STATE_DIR: join(dir, 'hosts') }), 'native', { DEMO_PAYMENT_GRPC_PORT: '41000' }));
    assert.ok(demo.grpcHealthTargets?.some((t) => t.service === 'payment-service' && t.address === '127.0.0.1:41000'), 'the demo preset follows the demo shop\'s port variables');
    assert.throws(() => stackSettings({ TARGETS: 'nope' }), /unknown target preset "nope"; one of demo, ecommerce-go-app/);
    assert.throws(() => stackSettings({ TARGET_HOST: 'http://x' }), /TARGET_HOST/);
  });

  it('accepts exactly the target names the exporter accepts (one rule, contract/targets.ts)', () => {
    const names = ['gw', 'orders.v2', 'ledger:internal', 'a_b-c', 'x'.repeat(64), 'x'.repeat(128), 'x'.repeat(129), '-lead', '.dot', 'has/slash', 'é'];
    const exporterAccepts = (name: string): boolean => {
      try {
        parseConfig(`targets:\n  ${JSON.stringify(name)}:\n    url: http://127.0.0.1:1/\n`, { source: 't.yml', env: {}, baseDir: dir });
        return true;
      } catch {
        return false;
      }
    };
    const poolTargetsAccepts = (name: string): boolean => {
      try {
        parsePoolTargets(`${name}=http://127.0.0.1:1/`);
        return true;
      } catch {
        return false;
      }
    };
    for (const name of names) assert.equal(poolTargetsAccepts(name), exporterAccepts(name), `POOL_TARGETS and the exporter disagree on ${JSON.stringify(name)}`);
    // Both sides of the rule occur, so the comparison can fail.
    assert.ok(names.some(exporterAccepts) && !names.every(exporterAccepts));
    assert.throws(() => parsePoolTargets('has/slash=http://127.0.0.1:1/'), /a target name must match/);
  });

  it('writes a Prometheus config promtool accepts for the widest target name the rule allows', () => {
    const settings = stackSettings({ STACK_STATE_DIR: join(dir, 'wide'), POOL_TARGETS: `ledger.v2:internal_${'x'.repeat(100)}=http://127.0.0.1:19003/health/pools/detailed` });
    const paths = writeNativeConfigs(settings);
    check(bin('promtool'), ['check', 'config', paths.prometheusConfig]);
    check(process.execPath, ['--import', 'tsx', join(repoRoot, 'exporters/pool-exporter/src/main.ts'), '--config', paths.poolExporterConfig, '--check-config']);
  });
});

type PromDoc = { scrape_configs: { job_name: string; static_configs: { targets: string[]; labels?: Record<string, string> }[]; relabel_configs?: { replacement?: string }[] }[] };

/** [service label, targets] per static group of a job. */
function jobTargets(prom: PromDoc, job: string): [string | undefined, string][] {
  return (prom.scrape_configs.find((j) => j.job_name === job)?.static_configs ?? []).map((c) => [c.labels?.service, c.targets.join(',')]);
}
