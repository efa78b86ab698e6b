/** README's compose section names every pinned third-party image exactly as the compose file pins it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

const repo = join(import.meta.dirname, '../..');

it("README's compose section lists the compose file's images, tags included", () => {
  const compose = readFileSync(join(repo, 'docker-compose-monitoring.yaml'), 'utf8');
  const images = [...new Set([...compose.matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1] ?? ''))].filter((i) => !i.startsWith('grpc-pool-observability/'));
  assert.ok(images.length >= 6, images.join(', '));
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Compose mode'), readme.indexOf('\n## ', readme.indexOf('## Compose mode') + 3));
  const listed = [...section.matchAll(/`([a-z0-9./-]+:[\w.-]+)`/g)].map((m) => m[1]);
  assert.deepEqual(images.filter((i) => !listed.includes(i)), [], 'images the README does not name');
  assert.deepEqual(listed.filter((i) => i !== undefined && i.includes('/') && !images.includes(i)), [], 'images the README names that compose does not pin');
});
