/**
 * Generated files are committed: running the generator must reproduce them byte for byte, twice
 * in a row (deterministic), and no stale generated file may linger beside them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { buildArtifacts } from '../../monitoring/artifacts.ts';
import { repoRoot, runOk } from './support.ts';

const GENERATED_DIRS = [
  'monitoring/prometheus',
  'monitoring/alertmanager',
  'monitoring/grafana',
  'monitoring/pool-exporter',
];

async function filesUnder(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesUnder(root, join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat();
}

test('npm run generate reproduces every committed generated file, and nothing else is there', async () => {
  const out = await mkdtemp(join(tmpdir(), 'generate-drift-'));
  try {
    runOk(process.execPath, ['--import', 'tsx', 'monitoring/generate.ts', '--out', out]);
    const generated = (await Promise.all(GENERATED_DIRS.map((dir) => filesUnder(out, dir)))).flat().sort();
    const committed = (await Promise.all(GENERATED_DIRS.map((dir) => filesUnder(repoRoot, dir)))).flat().sort();
    assert.deepEqual(committed, generated, 'generated file set differs from the committed one (run `npm run generate`, commit, delete stale files)');
    for (const path of generated) {
      const fresh = await readFile(join(out, path), 'utf8');
      const onDisk = await readFile(join(repoRoot, path), 'utf8');
      assert.equal(onDisk, fresh, `${path} drifted from its generator: run \`npm run generate\` and commit`);
    }
    assert.ok(generated.length >= 14, `expected at least 14 generated files, got ${generated.length}`);
    // The generated blocks of the docs (monitoring/doc-blocks.ts): --out writes the filled copies.
    const docs = ['README.md', ...(await filesUnder(out, 'docs'))];
    assert.ok(docs.includes('docs/core.md'), `no generated doc written: ${docs.join(', ')}`);
    for (const path of docs) {
      assert.equal(await readFile(join(repoRoot, path), 'utf8'), await readFile(join(out, path), 'utf8'), `${path}: a generated block drifted: run \`npm run generate\` and commit`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('generation is deterministic: two builds are identical and carry no timestamp', () => {
  const first = buildArtifacts();
  const second = buildArtifacts();
  assert.deepEqual(second, first);
  for (const { path, content } of first) {
    assert.doesNotMatch(content, /20\d\d-\d\d-\d\dT\d\d:\d\d/, `${path} contains a timestamp`);
  }
  assert.equal(new Set(first.map((a) => a.path)).size, first.length, 'two artifacts share a path');
  assert.ok(first.every((a) => !relative('.', a.path).startsWith('..')));
});
