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
import { parseConfig } from '../../exporters/pool-exporter/src/config.ts';
import { parsePoolTargets } from '../../scripts/stack/own-targets.ts';
import { repoRoot, stackSettings, wantsExtraReceivers, type StackSettings } from '../../scripts/stack/settings.ts';
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

  it('probes your own services from POOL_TARGETS: Prometheus and the exporter agree on the targets', () => {
    const settings = stackSettings({
      STACK_STATE_DIR: join(dir, 'own'),
      POOL_TARGETS: 'billing-gw=http://127.0.0.1:18000/health/pools/detailed,ledger=http://127.0.0.1:19003/health/pools/detailed',
    });
    const paths = writeNativeConfigs(settings);
    check(bin('promtool'), ['check', 'config', paths.prometheusConfig]);
    check(process.execPath, ['--import', 'tsx', join(repoRoot, 'exporters/pool-exporter/src/main.ts'), '--config', paths.poolExporterConfig, '--check-config']);
    const prom = readFileSync(paths.prometheusConfig, 'utf8');
    assert.match(prom, /- billing-gw\n\s+- ledger\n/);
    assert.doesNotMatch(prom, /api-gateway/);
    const exporter = readFileSync(paths.poolExporterConfig, 'utf8');
    assert.match(exporter, /billing-gw:\n\s+url: http:\/\/127\.0\.0\.1:18000\/health\/pools\/detailed/);
    assert.ok(paths.poolExporterConfig.startsWith(join(dir, 'own')), 'native mode keeps its own-target files in the state dir');
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
