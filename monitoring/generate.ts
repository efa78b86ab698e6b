/**
 * `npm run generate`: write every generated file (rules, rule tests, Prometheus, Alertmanager,
 * pool exporter and Grafana configs, dashboards) from the TypeScript sources.
 * `--out <dir>` writes the same tree under another directory (the drift test uses it).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildArtifacts } from './generators/artifacts.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function outDir(argv: string[]): string {
  const index = argv.indexOf('--out');
  if (index === -1) return repoRoot;
  const dir = argv[index + 1];
  if (!dir) throw new Error('generate: --out needs a directory');
  return resolve(dir);
}

async function main(): Promise<void> {
  const root = outDir(process.argv.slice(2));
  const artifacts = buildArtifacts();
  for (const { path, content } of artifacts) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  console.log(`generate: wrote ${artifacts.length} files under ${root}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
