/**
 * Nothing in this repository kills processes by name (pkill, killall, pgrep | kill): that ends
 * every such process on the machine, other users' and other runs' included. Scripts stop only
 * what they started, by the pid they recorded (docs/testing.md).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../support/fixtures.ts';

/** Command-like uses only: a shell word or a quoted program name (spawn('pkill', ...)). */
const killByName = [
  /(^|[\s;&|(`])(pkill|killall)(\s|$)/m,
  /['"](pkill|killall)['"]/,
  /\bpgrep\b[^\n]*\|\s*xargs\s+(-\S+\s+)*kill\b/,
  /\bkill\b[^\n]*\$\(\s*pgrep\b/,
  /\bkill\b[^\n]*`\s*pgrep\b/,
];

export function killsByName(text: string): string[] {
  return text.split('\n').filter((line) => killByName.some((re) => re.test(line)));
}

it('the patterns catch each way of killing by name (and not a plain kill of a pid)', () => {
  for (const line of ['pkill -x prometheus 2>/dev/null || true', 'sudo killall alertmanager', "spawnSync('pkill', ['-f', 'x'])", 'pgrep -f demo | xargs -r kill', 'kill $(pgrep node)', 'kill `pgrep node`']) {
    assert.deepEqual(killsByName(line), [line], line);
  }
  for (const line of ['kill "$(cat .state/native/prometheus.pid)"', 'process.kill(-pid, sig);']) {
    assert.deepEqual(killsByName(line), [], line);
  }
});

it('no tracked script, test, benchmark, CI file or npm script kills processes by name', () => {
  const files = spawnSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  assert.ok(files.includes('.ci/run'), 'git ls-files lists the repository (.ci/run among them)');
  const self = 'tests/core/no-kill-by-name.test.ts';
  const checked = files.filter((f) => f !== self && !/\.(md|json|proto|lock)$/.test(f) && !f.startsWith('fixtures/'));
  const found: string[] = [];
  for (const file of checked) {
    for (const line of killsByName(readFileSync(join(repoRoot, file), 'utf8'))) found.push(`${file}: ${line.trim()}`);
  }
  const npmScripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const [name, command] of Object.entries(npmScripts)) {
    for (const line of killsByName(command)) found.push(`package.json scripts.${name}: ${line}`);
  }
  assert.deepEqual(found, [], 'stop processes by the pid you recorded, never by name');
});
