/**
 * The folder layout's import rules (issue 13), checked on the real tree: nothing outside tests/
 * imports tests/, no import cycle between top-level folders, monitoring/ imports towards its
 * config only, contract/ imports nothing outside itself. A small tree that breaks each rule proves the check can fail.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { importsOf, layoutProblems, specifiersOf } from '../support/import-graph.ts';
import { repoRoot } from './support.ts';

describe('repository layout', () => {
  it('keeps the import rules: tests/ inward only, no folder cycles, monitoring layered', () => {
    const problems = layoutProblems(repoRoot);
    assert.deepEqual(problems, [], `layout rules broken:\n${problems.join('\n')}`);
  });

  it('sees the imports the rules are about (the check is not vacuous)', () => {
    const imports = importsOf(repoRoot);
    const edge = (from: string, to: string): boolean => imports.some((i) => i.from === from && i.to === to);
    // A static import, a dynamic import, a type-only import, a multi-line import list.
    assert.ok(edge('monitoring/artifacts.ts', 'monitoring/dashboards/index.ts'));
    assert.ok(edge('scripts/loadtest.ts', 'tools/k6-harness/index.ts'));
    assert.ok(edge('tests/stack/native-e2e.test.ts', 'notification-sink/main.ts'));
    // The contract is shared by the exporter, the demo, k6 and the generators.
    for (const user of ['exporters/pool-exporter/src/pool-document.ts', 'demo/lib/pool-health.ts', 'k6/lib/metrics.ts', 'monitoring/dashboards/pools.ts']) {
      assert.ok(imports.some((i) => i.from === user && i.to.startsWith('contract/')), `${user} does not import contract/`);
    }
    assert.ok(imports.length > 200, `only ${imports.length} imports found`);
  });

  it('reads every import form and ignores package imports', () => {
    const source = [
      "import { a } from './a.ts';",
      'import type {',
      '  B,',
      '  C,',
      "} from '../b.ts';",
      "export { d } from './d.ts';",
      "import './side-effect.ts';",
      "const e = await import('./e.ts');",
      "import express from 'express';",
    ].join('\n');
    assert.deepEqual(specifiersOf(source).sort(), ['../b.ts', './a.ts', './d.ts', './e.ts', './side-effect.ts', 'express'].sort());
  });

  it('fails, naming the import, on a tree that breaks each rule', async () => {
    const root = await mkdtemp(join(tmpdir(), 'layout-'));
    const files: Record<string, string> = {
      'tests/helper.ts': 'export const x = 1;\n',
      'scripts/run.ts': "import { x } from '../tests/helper.ts';\nimport { y } from '../tools/y.ts';\n",
      'tools/y.ts': "export const y = 1;\nexport const run = () => import('../scripts/run.ts');\n",
      'monitoring/config/slo.ts': 'export const slo = 1;\n',
      'monitoring/lib/q.ts': "import { slo } from '../config/slo.ts';\nexport const q = slo;\n",
      'monitoring/rules/r.ts': "import { q } from '../lib/q.ts';\nexport const r = q;\n",
      'monitoring/dashboards/d.ts': "import type { r } from '../rules/r.ts';\n",
      'contract/names.ts': "import { slo } from '../monitoring/config/slo.ts';\nimport { readFileSync } from 'node:fs';\nimport type { S } from './states.ts';\n",
      'contract/states.ts': 'export type S = 1;\n',
    };
    try {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(root, path)), { recursive: true });
        await writeFile(join(root, path), text);
      }
      assert.deepEqual(layoutProblems(root), [
        "scripts/run.ts imports tests/helper.ts ('../tests/helper.ts'): code outside tests/ must not depend on tests/ (move what it needs to tools/ or a shared lib)",
        "import cycle scripts -> tools -> scripts:\n  scripts/run.ts imports tools/y.ts ('../tools/y.ts')\n  tools/y.ts imports scripts/run.ts ('../scripts/run.ts')",
        "monitoring/dashboards/d.ts imports monitoring/rules/r.ts ('../rules/r.ts'): monitoring/dashboards/ may import only config/, lib/, dashboards/; what dashboards/ and rules/ share belongs in lib/ or config/",
        "contract/names.ts imports monitoring/config/slo.ts ('../monitoring/config/slo.ts'): contract/ is plain data every folder and k6 import, so it imports nothing outside itself",
        "contract/names.ts imports the package node:fs ('node:fs'): contract/ is plain data every folder and k6 import, so it imports nothing outside itself",
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
