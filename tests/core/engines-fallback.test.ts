/**
 * Debian's Prometheus 2.42 / Alertmanager 0.25 stay a supported fallback for native mode
 * (scripts/engines/engines.ts nativeTool) because this file proves them: their promtool and amtool
 * accept the generated configs, and the portable rule tests (exact-valued float inputs) pass on
 * 2.42 as on the pinned 3.5. The native-histogram rule tests run on 3.5 only: 2.42's promtool
 * cannot parse the `{{schema:...}}` series notation, shown below.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pinnedEngines } from '../../scripts/engines/engines.ts';
import { NATIVE_HISTOGRAM_RULE_TESTS, portableRuleTestNames } from '../../monitoring/rules/rule-tests/index.ts';
import { writeNativeConfigs } from '../../scripts/stack/native-config.ts';
import { stackSettings } from '../../scripts/stack/settings.ts';
import { fallbackTool, pinnedTool } from '../support/engines.ts';
import { repoRoot, run, runOk } from './support.ts';

const testsDir = join(repoRoot, 'monitoring/prometheus/tests');
const dir = mkdtempSync(join(tmpdir(), 'engines-fallback-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("Debian's fallback engines", () => {
  const promtool = fallbackTool('promtool');
  const amtool = fallbackTool('amtool');

  it('are other versions than the pinned ones (so this file proves something the pinned tests do not)', () => {
    assert.equal(pinnedTool('promtool').version, pinnedEngines.prometheus.version);
    assert.equal(pinnedTool('amtool').version, pinnedEngines.alertmanager.version);
    assert.match(promtool.version, /^2\./, `Debian's promtool is ${promtool.version}`);
    assert.match(amtool.version, /^0\.2[0-7]\./, `Debian's amtool is ${amtool.version}`);
  });

  it('promtool 2.x checks the compose config, the native config and every rule file', () => {
    assert.match(runOk(promtool.path, ['check', 'config', 'monitoring/prometheus/prometheus.yml']), /SUCCESS: 3 rule files found/);
    const native = writeNativeConfigs(stackSettings({ STACK_STATE_DIR: join(dir, 'native') }));
    assert.match(runOk(promtool.path, ['check', 'config', native.prometheusConfig]), /SUCCESS: 3 rule files found/);
  });

  it('promtool 2.x passes the portable rule tests, as the pinned promtool does', () => {
    const files = portableRuleTestNames();
    assert.ok(files.length >= 3 && !files.includes(NATIVE_HISTOGRAM_RULE_TESTS));
    for (const tool of [promtool.path, pinnedTool('promtool').path]) {
      const output = runOk(tool, ['test', 'rules', ...files], testsDir);
      assert.equal(output.match(/SUCCESS/g)?.length, files.length, output);
    }
  });

  it('promtool 2.x cannot load native-histogram input series, hence those run on the pinned promtool only', () => {
    const result = run(promtool.path, ['test', 'rules', NATIVE_HISTOGRAM_RULE_TESTS], testsDir);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /parse error: unexpected character in series sequence: '\{'/);
  });

  it('amtool 0.2x accepts the committed and the native Alertmanager config', () => {
    assert.match(runOk(amtool.path, ['check-config', 'monitoring/alertmanager/alertmanager.yml']), /SUCCESS/);
    const native = writeNativeConfigs(stackSettings({ STACK_STATE_DIR: join(dir, 'native-am') }));
    assert.match(runOk(amtool.path, ['check-config', native.alertmanagerConfig]), /SUCCESS/);
  });
});
