/**
 * `npm run generate`: write every generated file (rules, rule tests, Prometheus, Alertmanager,
 * pool exporter and Grafana configs, dashboards) from the TypeScript sources.
 * It also rewrites the generated blocks of README.md and docs/*.md (monitoring/doc-blocks.ts).
 * `--out <dir>` writes the same tree under another directory (the drift test uses it).
 * `--alertmanager-from-env <file> [--sink-url <url>] [--sink-token-file <file>]` writes only an Alertmanager config with
 * Slack/email taken from ALERTMANAGER_* variables (docs/core.md), for a stack that has secrets;
 * it never touches the committed files.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alertmanagerOptionsFromEnv, alertmanagerYaml, composeSinkTokenFile, composeSinkUrl } from './generators/alertmanager-config.ts';
import { buildArtifacts } from './artifacts.ts';
import { blocksIn, fillGeneratedBlocks } from './doc-blocks.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The value after `flag`, undefined when the flag is absent; an error when it has no value. */
function flagValue(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  if (index === -1) return undefined;
  const value = argv[index + 1];
  if (!value || value.startsWith('--')) throw new Error(`generate: ${flag} needs a value`);
  return value;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const alertmanagerFile = flagValue(argv, '--alertmanager-from-env');
  if (alertmanagerFile) {
    const options = alertmanagerOptionsFromEnv(
      process.env,
      flagValue(argv, '--sink-url') ?? composeSinkUrl,
      flagValue(argv, '--sink-token-file') ?? composeSinkTokenFile,
    );
    await writeFile(resolve(alertmanagerFile), alertmanagerYaml(options));
    console.log(`generate: wrote ${alertmanagerFile} (slack ${options.slack ? 'on' : 'off'}, email ${options.email ? 'on' : 'off'})`);
    return;
  }
  const out = flagValue(argv, '--out');
  const root = out ? resolve(out) : repoRoot;
  const artifacts = buildArtifacts();
  for (const { path, content } of artifacts) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  const documents = await documentsWithBlocks();
  for (const { path, text } of documents) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, fillGeneratedBlocks(path, text));
  }
  console.log(`generate: wrote ${artifacts.length} files and the generated blocks of ${documents.map((d) => d.path).join(', ')} under ${root}`);
}

/** README.md and docs/*.md that hold at least one generated block, read from this checkout. */
async function documentsWithBlocks(): Promise<{ path: string; text: string }[]> {
  const paths = ['README.md', ...(await readdir(join(repoRoot, 'docs'))).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  const documents = await Promise.all(paths.map(async (path) => ({ path, text: await readFile(join(repoRoot, path), 'utf8') })));
  return documents.filter(({ text }) => blocksIn(text).length > 0 || text.includes('<!-- generated:'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
