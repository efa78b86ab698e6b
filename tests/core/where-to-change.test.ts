/**
 * docs/core.md's "Where to change what" table stays true to the tree: it covers every kind of
 * change the developers' guide names, and every file it tells you to edit exists.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './support.ts';

/** The rows of the table under "## Where to change what": [kind, edit, follows]. */
function whereToChangeRows(markdown: string): string[][] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Where to change what\n')) ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| to change') && !line.startsWith('| ---'))
    .map((line) => line.slice(2, -2).split(' | '));
}

/** Repository paths in backticks (`dir/file.ext`); placeholders such as `k6/<name>-test.ts` are not files yet. */
function pathsIn(cell: string): string[] {
  return [...cell.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1] as string)
    .filter((token) => /^[\w.-]+(\/[\w.-]+)*\.(ts|md|yml|yaml)$/.test(token) && (token.includes('/') || /^[A-Z]+\.md$/.test(token)));
}

test('docs/core.md "Where to change what" covers each kind of change and names files that exist', () => {
  const rows = whereToChangeRows(readFileSync(join(repoRoot, 'docs/core.md'), 'utf8'));
  const kinds = rows.map((row) => row[0] ?? '');
  for (const kind of ['threshold', 'alert', 'panel', 'pool state', 'scenario', 'latency target', 'probe target']) {
    assert.ok(kinds.some((k) => k.includes(kind)), `no row for "${kind}" in: ${kinds.join('; ')}`);
  }
  const missing: string[] = [];
  let named = 0;
  for (const row of rows) {
    for (const path of pathsIn(`${row[1] ?? ''} ${row[2] ?? ''}`)) {
      named++;
      if (!existsSync(join(repoRoot, path))) missing.push(`${row[0]}: ${path}`);
    }
  }
  assert.deepEqual(missing, [], 'docs/core.md names files that do not exist');
  assert.ok(named >= 20, `only ${named} files named in the table`);
});

test('the path reader sees files and skips placeholders and identifiers', () => {
  assert.deepEqual(pathsIn('`monitoring/config/slo.ts` (`latencyTargets`), `k6/<name>-test.ts`, `README.md`, `POOL_TARGETS`, `docs/nope.md`'), [
    'monitoring/config/slo.ts',
    'README.md',
    'docs/nope.md',
  ]);
});
