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

// go builds tools/k6-engine-check and tools/dashboard-check (their modules come from the Go module
// proxy) and the pinned engines; chromium renders the notification emails and the report page;
// Debian's python3 with aiosmtpd is the SMTP server the emails are delivered to. Prometheus,
// Alertmanager and docker-compose come from `npm run provision` below.
// unshare and ip: the end-to-end test runs in its own network namespace (docs/testing.md).
const REQUIRED_BINARIES = ['go', 'chromium', 'unshare', 'ip'];
const REQUIRED_CHECKS: [what: string, command: string][] = [['python3-aiosmtpd', '/usr/bin/python3 -c "import aiosmtpd"']];

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const missing = [
  ...REQUIRED_BINARIES.filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0),
  ...REQUIRED_CHECKS.filter(([, command]) => spawnSync('sh', ['-c', command], { stdio: 'ignore' }).status !== 0).map(([what]) => what),
];
if (missing.length > 0) {
  console.error(`npm test needs these on the machine: ${missing.join(', ')}.`);
  console.error('Install them with: sudo apt-get install -y golang-go chromium python3-aiosmtpd iproute2 util-linux (Go >= 1.23)');
  process.exit(2);
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
