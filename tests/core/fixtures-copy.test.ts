/**
 * The repository's fixtures/ is a copy of the contract in ../shared/fixtures (fixtures/README.md
 * says why). Every file must be byte-equal in both, none missing on either side. Without
 * ../shared the comparison is impossible: outside CI it skips and says so; in CI it fails.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { copiedFixtureFolders, fixturesDir, repoRoot, sharedFixturesDir } from '../support/fixtures.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]))
    .map((path) => relative(dir, path))
    .sort();
}

const inCi = Boolean(process.env.CI);
const sharedPresent = existsSync(sharedFixturesDir);

describe('fixtures/ is an exact copy of ../shared/fixtures', () => {
  for (const folder of copiedFixtureFolders) {
    const ours = join(fixturesDir, folder);

    it(`fixtures/${folder} exists in the repository with its README`, () => {
      assert.ok(existsSync(join(ours, 'README.md')), `${ours}/README.md is missing: copy ../shared/fixtures/${folder} (see fixtures/README.md)`);
    });

    const skip = !sharedPresent && !inCi ? `${sharedFixturesDir} is absent (not the project's workspace); set CI=1 to make this a failure` : false;
    it(`fixtures/${folder} equals ../shared/fixtures/${folder}, file by file`, { skip }, () => {
      assert.ok(sharedPresent, `${sharedFixturesDir} is absent: in CI the copy must be compared with the contract`);
      const theirs = join(sharedFixturesDir, folder);
      const files = filesUnder(theirs);
      assert.deepEqual(filesUnder(ours), files, `file lists differ; copy again (fixtures/README.md)`);
      for (const file of files) {
        assert.ok(readFileSync(join(ours, file)).equals(readFileSync(join(theirs, file))), `fixtures/${folder}/${file} differs from ../shared; copy again (fixtures/README.md)`);
      }
    });
  }

  it('every folder of ../shared/fixtures is copied', { skip: !sharedPresent && !inCi ? `${sharedFixturesDir} is absent` : false }, () => {
    assert.ok(sharedPresent, `${sharedFixturesDir} is absent`);
    const shared = readdirSync(sharedFixturesDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    assert.deepEqual(shared, [...copiedFixtureFolders].sort());
  });

  it('no code reads ../shared: tests, benchmarks and tools use fixtures/ (only this comparison looks there)', () => {
    const files = spawnSync('git', ['ls-files', '-z', '*.ts', '*.go', '*.sh', '.ci/*'], { cwd: repoRoot, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    const allowed = new Set(['tests/support/fixtures.ts', 'tests/core/fixtures-copy.test.ts']);
    const readsShared = /['"`]\.\.\/(\.\.\/)*shared\/|['"]shared['"]\s*,\s*['"]fixtures['"]/;
    const found = files.filter((f) => !allowed.has(f) && readsShared.test(readFileSync(join(repoRoot, f), 'utf8')));
    assert.deepEqual(found, [], 'read fixtures/ (tests/support/fixtures.ts), not ../shared');
  });
});
