/**
 * Every PromQL expression the stack runs, accepted by a real Prometheus: the generated config
 * (127.0.0.1 flavour) loads the generated rules, every rule group evaluates without error, and
 * every dashboard query (panels, annotations, variables, with Grafana's variables substituted)
 * is accepted by the query API.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dashboards } from '../../monitoring/dashboards/index.ts';
import { prometheusConfig } from '../../monitoring/generators/prometheus-config.ts';
import { ruleFiles } from '../../monitoring/rules/index.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';
import { dashboardExpressions, repoRoot, substituteVariables } from './support.ts';

interface RulesApi {
  groups: { name: string; file: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[];
}

describe('PromQL on a live Prometheus', () => {
  let prom: TestPrometheus;
  before(async () => {
    const config = prometheusConfig({
      // Closed ports: scrapes fail, which is fine; only the expressions are under test.
      poolExporter: '127.0.0.1:9',
      alertmanager: '127.0.0.1:9',
      prometheus: '127.0.0.1:9',
      probeTargets: ['api-gateway'],
      ruleFiles: [join(repoRoot, 'monitoring/prometheus/rules/*.yml')],
      evaluationInterval: '1s',
      scrapeInterval: '5s',
    });
    prom = await startPrometheus({ config: generatedYaml(config, 'test') });
  });
  after(async () => {
    await prom?.stop();
  });

  test('the generated rules load and every rule evaluates without error', async () => {
    const expected = Object.values(ruleFiles()).flatMap((file) => file.groups.flatMap((group) => group.rules)).length;
    let rules: RulesApi['groups'][number]['rules'] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const data = await prom.api<RulesApi>('rules');
      rules = data.groups.flatMap((group) => group.rules);
      if (rules.length === expected && rules.every((rule) => rule.health !== 'unknown')) break;
      await sleep(200);
    }
    assert.equal(rules.length, expected, 'Prometheus did not load every generated rule');
    const broken = rules.filter((rule) => rule.health !== 'ok');
    assert.deepEqual(broken.map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`), []);
  });

  test('every rule expression is accepted by the query API', async () => {
    for (const file of Object.values(ruleFiles())) {
      for (const rule of file.groups.flatMap((group) => group.rules)) {
        const name = 'alert' in rule ? rule.alert : rule.record;
        await assert.doesNotReject(prom.query(rule.expr), `rule ${name}: ${rule.expr}`);
      }
    }
  });

  test('every dashboard query is accepted by the query API', async () => {
    const expressions = dashboards().flatMap(dashboardExpressions);
    assert.ok(expressions.length >= 40, `expected at least 40 dashboard expressions, found ${expressions.length}`);
    const rejected: string[] = [];
    for (const { dashboard, where, expr } of expressions) {
      const query = substituteVariables(expr);
      try {
        await prom.query(query);
        const end = Math.floor(Date.now() / 1000);
        await prom.queryRange(query, end - 300, end, 15);
      } catch (err) {
        rejected.push(`${dashboard} ${where}: ${query}\n  ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    assert.deepEqual(rejected, []);
  });

  test('a broken expression is rejected (the check can fail)', async () => {
    await assert.rejects(prom.query('sum by (testid) (rate(k6_http_reqs_total[$__rate_interval]))'), /parse error/);
    await assert.rejects(prom.query(substituteVariables('histogram_quantile(0.95, sum by (testid) (rate(x[$__rate_interval]))) +')), /parse error/);
  });
});
