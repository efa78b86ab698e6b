/**
 * The generated dashboards fit the Grafana that compose pins: schemaVersion and annotation fields
 * as that release knows them (monitoring/dashboards/grafana-compat.ts), and every dashboard passes the
 * foundation SDK's own Go types (strict unmarshal + Validate, tools/dashboard-check).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { dashboardModelProblems } from '../../monitoring/dashboards/grafana-compat.ts';
import { composeFile } from '../../scripts/stack/settings.ts';
import { repoRoot } from './support.ts';

const dashboardDir = join(repoRoot, 'monitoring/grafana/dashboards');
const files = readdirSync(dashboardDir).filter((f) => f.endsWith('.json')).map((f) => join(dashboardDir, f));
const dashboards = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { uid: string; schemaVersion: number; panels: unknown[] });

function pinnedGrafana(): string {
  const compose = YAML.parse(readFileSync(composeFile, 'utf8')) as { services: { grafana: { image: string } } };
  const tag = /^grafana\/grafana:(.+)$/.exec(compose.services.grafana.image)?.[1];
  assert.ok(tag, `compose's grafana image ${compose.services.grafana.image} has no tag`);
  return tag;
}

describe('dashboards and the pinned Grafana', () => {
  it('carry the schemaVersion and annotation fields of the Grafana compose pins', () => {
    assert.ok(dashboards.length >= 3);
    assert.deepEqual(dashboardModelProblems(dashboards, pinnedGrafana()), []);
  });

  it('disagree with Grafana 12.1.1, the pin before (schemaVersion 42 and placement unknown there)', () => {
    const problems = dashboardModelProblems(dashboards, '12.1.1');
    assert.ok(problems.some((p) => /schemaVersion 42, Grafana 12\.1\.1 knows 41/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /has placement, unknown to Grafana 12\.1\.1/.test(p)), problems.join('\n'));
    assert.match(dashboardModelProblems(dashboards, '11.6.0').join(''), /no row in monitoring\/dashboards\/grafana-compat\.ts/);
  });
});

describe('foundation SDK Go types (tools/dashboard-check)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-check-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const tool = join(dir, 'dashboard-check');
  const run = (args: string[]) => spawnSync(tool, args, { encoding: 'utf8' });

  it('builds (its own go.mod; npm run provision downloads the module)', () => {
    const built = spawnSync('go', ['build', '-o', tool, '.'], { cwd: join(repoRoot, 'tools/dashboard-check'), encoding: 'utf8', timeout: 600_000 });
    assert.equal(built.status, 0, built.stderr);
  });

  it('accepts every generated dashboard: strict unmarshal and Validate', () => {
    const result = run(files);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.equal(result.stdout.match(/^ok /gm)?.length, files.length, result.stdout);
  });

  it('fails on a broken dashboard, naming the field', () => {
    const broken = structuredClone(dashboards[0]) as Record<string, unknown> & { panels: { gridPos?: Record<string, unknown> }[] };
    broken.refreshInterval = '5s'; // no such field
    const panel = broken.panels.find((p) => p.gridPos);
    assert.ok(panel?.gridPos);
    panel.gridPos.w = 'wide'; // a number in the schema
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const result = run([file, files[0] ?? '']);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stdout, /^FAIL .*broken\.json: strict unmarshal: /m);
    assert.match(result.stdout, /Dashboard: unexpected field 'refreshInterval'/);
    assert.match(result.stdout, /gridPos\.w: json: cannot unmarshal string/);
    assert.match(result.stdout, /^ok /m, 'the good dashboard beside it still passes');
  });
});
