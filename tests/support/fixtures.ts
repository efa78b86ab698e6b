/**
 * The contract fixtures, read from the repository's own copy (fixtures/, see its README), never
 * from ../shared: a clone anywhere must run the suite. tests/core/fixtures-copy.test.ts keeps the
 * copy equal to ../shared/fixtures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const fixturesDir = join(repoRoot, 'fixtures');
/** The GET /health/pools/detailed contract: README.md and one sample per state. */
export const poolHealthFixturesDir = join(fixturesDir, 'pool-health');
/** What the real Go gateway answered (captures). */
export const realGatewayFixturesDir = join(fixturesDir, 'real-gateway');
/**
 * The contract's home, ../shared/fixtures beside the repository: beside this checkout, or beside
 * the main checkout when this is a git worktree elsewhere; SHARED_FIXTURES_DIR overrides. The
 * first candidate is returned when none exists (absent outside the project's workspace).
 */
export const sharedFixturesDir = ((): string => {
  if (process.env.SHARED_FIXTURES_DIR) return process.env.SHARED_FIXTURES_DIR;
  const candidates = [join(repoRoot, '..', 'shared', 'fixtures')];
  const common = spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: repoRoot, encoding: 'utf8' });
  if (common.status === 0 && common.stdout.trim() !== '') candidates.push(join(dirname(dirname(common.stdout.trim())), 'shared', 'fixtures'));
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0] ?? '';
})();
/** The folders copied from sharedFixturesDir into fixturesDir. */
export const copiedFixtureFolders = ['pool-health', 'real-gateway'] as const;
