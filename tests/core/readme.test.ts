/** README tables that come from code and are not generated: the target presets (the alert table is a generated block). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { targetPresets, type TargetEndpoint } from '../../monitoring/config/targets.ts';
import { repoRoot } from './support.ts';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** Cells of the README table row whose first cell is `first`. */
function row(first: string): string[] {
  const line = readme.split('\n').find((l) => l.startsWith(`| ${first} |`));
  assert.ok(line, `README has no table row starting with ${first}`);
  return line.split('|').slice(1, -1).map((cell) => cell.trim());
}

const endpoints = (list: readonly TargetEndpoint[]): string => list.map((e) => `${e.service} :${e.port}`).join(', ');

test('the README preset table lists exactly what monitoring/config/targets.ts probes', () => {
  for (const [name, preset] of Object.entries(targetPresets)) {
    const cells = row(name === 'demo' ? '`demo` (default)' : `\`${name}\``);
    assert.deepEqual(cells.slice(2), [endpoints(preset.poolHealth), endpoints(preset.metrics), endpoints(preset.grpcHealth)], name);
  }
});
