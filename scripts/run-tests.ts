/**
 * `npm test`: runs every tests/**\/*.test.ts file with Node's test runner (through tsx).
 * Extra arguments filter files by substring: `npm test -- exporter`.
 * The suite needs the real binaries: the pinned engines (built into the cache by
 * `npm run provision`, which runs here first when something is missing) and Debian's fallback
 * packages. A missing one is an error here, never a silent skip.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROVISION_COMMAND } from './engines/engines.ts';

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const provision = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/engines/provision.ts', ...args], { stdio: 'inherit' }).status;
if (provision(['--check']) !== 0) {
  // Builds what is missing (Go), installs Debian's packages as root; otherwise says what to run.
  console.error(`npm test: provisioning the engines first (\`${PROVISION_COMMAND}\`) ...`);
  if (provision([]) !== 0) {
    console.error(`npm test needs the engines above; fix what \`${PROVISION_COMMAND}\` reports, then run npm test again.`);
    process.exit(2);
  }
}

const filters = process.argv.slice(2);
const files = findTests('tests')
  .map((file) => relative('.', file))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.join(' ') || 'tests/**/*.test.ts'}.`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
