/**
 * Examples in docs/ that the suite produces: files under docs/examples/ and fenced copies of them
 * in docs/*.md between `<!-- example:NAME -->` and `<!-- /example -->`. A test compares both with
 * what it just produced; UPDATE_EXAMPLES=1 rewrites them instead.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from '../core/support.ts';

export const updateExamples = process.env.UPDATE_EXAMPLES === '1';
export const examplesDir = join(repoRoot, 'docs', 'examples');

/** Compare docs/examples/<name> with `content`, or write it with UPDATE_EXAMPLES=1. */
export async function checkExampleFile(name: string, content: string | Buffer, rerun: string): Promise<void> {
  const file = join(examplesDir, name);
  if (updateExamples) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    return;
  }
  assert.ok(existsSync(file), `docs/examples/${name} is missing: run UPDATE_EXAMPLES=1 ${rerun}`);
  const committed = typeof content === 'string' ? await readFile(file, 'utf8') : await readFile(file);
  assert.deepEqual(content, committed, `docs/examples/${name} drifted from what the suite produced: run UPDATE_EXAMPLES=1 ${rerun}`);
}

/** Replace the body of each `<!-- example:NAME -->` block named in `examples` with its fenced content. */
export function fillExampleBlocks(markdown: string, examples: Record<string, { lang: string; content: string }>): string {
  return markdown.replace(/(<!-- example:([\w.-]+) -->\n)[^]*?(<!-- \/example -->)/g, (whole: string, open: string, name: string, close: string) => {
    const example = examples[name];
    // Another test owns that block.
    if (!example) return whole;
    return `${open}\`\`\`${example.lang}\n${example.content.trimEnd()}\n\`\`\`\n${close}`;
  });
}

/** Check (or rewrite) the example blocks of one doc; every named example must appear. */
export async function checkExampleBlocks(doc: string, examples: Record<string, { lang: string; content: string }>, rerun: string): Promise<void> {
  const file = join(repoRoot, doc);
  const text = await readFile(file, 'utf8');
  const filled = fillExampleBlocks(text, examples);
  for (const name of Object.keys(examples)) assert.ok(text.includes(`<!-- example:${name} -->`), `${doc} has no <!-- example:${name} --> block`);
  if (updateExamples) await writeFile(file, filled);
  else assert.equal(text, filled, `${relative(repoRoot, file)}: an example block drifted: run UPDATE_EXAMPLES=1 ${rerun}`);
}
