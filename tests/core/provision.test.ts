/**
 * `npm run provision -- --check` (what .ci/run's provisioning rests on) reports every pinned
 * engine: with the real cache each binary and its version, with an empty cache each engine it
 * would build, and exit 1. A provision script that does nothing fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { allTools, pinnedEngines } from '../../scripts/engines/engines.ts';

const repo = join(import.meta.dirname, '../..');
const emptyCache = mkdtempSync(join(tmpdir(), 'provision-check-'));
after(() => rmSync(emptyCache, { recursive: true, force: true }));

const check = (env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/engines/provision.ts', '--check'], { cwd: repo, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

it('reports every pinned binary from the cache the suite uses', () => {
  const result = check({});
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  for (const tool of allTools) assert.match(result.stdout, new RegExp(`^  ${tool} +\\S+ `, 'm'), `${tool} missing from:\n${result.stdout}`);
  for (const engine of Object.values(pinnedEngines)) assert.match(result.stdout, new RegExp(` ${engine.version.replaceAll('.', '\\.')} +\\S*${engine.name}-${engine.version}`));
});

it('names each engine it would build when the cache is empty, and exits 1', () => {
  const result = check({ XDG_CACHE_HOME: emptyCache });
  assert.equal(result.status, 1, `${result.stdout}${result.stderr}`);
  for (const engine of Object.values(pinnedEngines)) {
    assert.match(result.stderr, new RegExp(`provision: ${engine.name} ${engine.version.replaceAll('.', '\\.')} is not built in `), result.stderr);
  }
});
