/**
 * Structure of the generated dashboards: stable unique uids, a prometheus `datasource` variable
 * used by every query, a unit and a description on every panel, $__rate_interval in rate queries.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { dashboards } from '../../monitoring/dashboards/index.ts';
import { allPanels, dashboardExpressions, repoRoot } from './support.ts';

const built = dashboards();

interface PanelJson {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { datasource?: { uid?: string }; refId?: string }[];
}

test('at least three dashboards, with unique, stable uids matching their file names', async () => {
  assert.ok(built.length >= 3, `only ${built.length} dashboards`);
  const uids = built.map((d) => d.uid);
  assert.equal(new Set(uids).size, uids.length, `duplicate uid in ${uids.join(', ')}`);
  assert.deepEqual(uids, ['grpc-pool-overview', 'grpc-pool-loadtest', 'grpc-pool-health']);
  for (const dashboard of built) {
    const committed = JSON.parse(await readFile(join(repoRoot, `monitoring/grafana/dashboards/${dashboard.uid}.json`), 'utf8')) as { uid: string };
    assert.equal(committed.uid, dashboard.uid);
  }
});

test('every dashboard keeps Grafana\'s built-in annotation layer', () => {
  for (const dashboard of built) {
    assert.equal(dashboard.annotations?.list?.[0]?.builtIn, 1, `${dashboard.uid}: no built-in annotation`);
  }
});

test('every dashboard has a prometheus datasource variable, and every panel and query uses it', () => {
  for (const dashboard of built) {
    const variable = dashboard.templating?.list?.find((v) => v.name === 'datasource');
    assert.ok(variable, `${dashboard.uid}: no datasource variable`);
    assert.equal(variable.type, 'datasource');
    assert.equal(variable.query, 'prometheus');
    for (const panel of allPanels(dashboard) as PanelJson[]) {
      if (panel.type === 'row') continue;
      assert.equal(panel.datasource?.uid, '${datasource}', `${dashboard.uid} "${panel.title}": panel datasource`);
      for (const target of panel.targets ?? []) {
        assert.equal(target.datasource?.uid, '${datasource}', `${dashboard.uid} "${panel.title}" ${target.refId}: query datasource`);
      }
    }
  }
});

test('every panel has a title, a unit and a description, and a unique id', () => {
  for (const dashboard of built) {
    const ids = new Set<number>();
    for (const panel of allPanels(dashboard) as PanelJson[]) {
      assert.equal(typeof panel.id, 'number', `${dashboard.uid} "${panel.title}": no id`);
      assert.ok(!ids.has(panel.id as number), `${dashboard.uid}: duplicate panel id ${panel.id}`);
      ids.add(panel.id as number);
      if (panel.type === 'row') continue;
      assert.ok(panel.title, `${dashboard.uid}: a panel has no title`);
      assert.ok(panel.fieldConfig?.defaults?.unit, `${dashboard.uid} "${panel.title}": no unit`);
      assert.ok((panel.description ?? '').length > 10, `${dashboard.uid} "${panel.title}": no description`);
      assert.ok((panel.targets ?? []).length > 0, `${dashboard.uid} "${panel.title}": no query`);
    }
  }
});

test('time-series rates use $__rate_interval; whole-run figures use $__range', () => {
  for (const dashboard of built) {
    for (const { where, expr } of dashboardExpressions(dashboard)) {
      for (const match of expr.matchAll(/\b(rate|increase|irate)\([^\[]*\[([^\]]+)\]/g)) {
        assert.ok(['$__rate_interval', '$__range'].includes(match[2] ?? ''), `${dashboard.uid} ${where}: ${match[1]} over [${match[2]}] in ${expr}`);
      }
    }
  }
});

test('the load test dashboard selects runs by a testid variable read from a k6 series', () => {
  const loadtest = built.find((d) => d.uid === 'grpc-pool-loadtest');
  const testid = loadtest?.templating?.list?.find((v) => v.name === 'testid');
  assert.equal(testid?.query, 'label_values(k6_vus, testid)');
  const overview = built.find((d) => d.uid === 'grpc-pool-overview');
  const names = overview?.templating?.list?.map((v) => v.name);
  assert.deepEqual(names, ['datasource', 'testid', 'baseline', 'pooled']);
  assert.deepEqual(
    overview?.annotations?.list?.filter((a) => a.expr !== undefined).map((a) => a.expr),
    ['ALERTS{alertstate="firing"}', 'testid:k6_vus:max15s > 0'],
  );
});
