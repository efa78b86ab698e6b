/**
 * Bundles a k6 script for the harness with esbuild (k6 itself bundles TypeScript with esbuild):
 * `k6`, `k6/http`, `k6/metrics` and `k6/execution` resolve to the harness's implementations;
 * any other k6 module or a remote import is an error, as the suite must run offline, and so is a
 * Node built-in or a package name imported by the script, which k6 cannot resolve. Like k6, a
 * local import must name the file exactly (no extension guessing), and the script's references
 * to Node/browser globals that k6 lacks throw "X is not defined" when they run, as in k6.
 */
import { build, transform, type Plugin } from 'esbuild';
import { statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { MISSING_GLOBAL_HOLDER, MISSING_IN_K6 } from './k6-globals.ts';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const k6Modules: Record<string, string> = {
  k6: join(here, 'vu/k6.ts'),
  'k6/http': join(here, 'vu/http.ts'),
  'k6/metrics': join(here, 'vu/metrics.ts'),
  'k6/execution': join(here, 'vu/execution.ts'),
};

/** The script's own files, as opposed to the harness's runtime (which runs on Node). */
const isScriptFile = (path: string): boolean => !path.startsWith(`${here}/`) && !path.includes('/node_modules/');

/** esbuild `define` replaces only free references, so a local variable named URL is untouched. */
const missingGlobals = Object.fromEntries(MISSING_IN_K6.map((name) => [name, `globalThis.${MISSING_GLOBAL_HOLDER}.${name}`]));

const k6Shims: Plugin = {
  name: 'k6-harness-modules',
  setup(b) {
    b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => {
      const path = k6Modules[args.path];
      if (!path) {
        return { errors: [{ text: `the k6 harness does not implement ${args.path} (imported by ${args.importer})` }] };
      }
      return { path };
    });
    // k6 (internal/loader) resolves a relative specifier to one URL and reads that file: no
    // extension or index file is tried, so './lib/config' fails to link where esbuild would find
    // './lib/config.ts'.
    b.onResolve({ filter: /^\.{1,2}\// }, (args) => {
      if (!isScriptFile(args.importer)) return undefined;
      const target = resolve(args.resolveDir, args.path);
      let isFile = false;
      try {
        isFile = statSync(target).isFile();
      } catch {
        isFile = false;
      }
      if (isFile) return { path: target };
      return { errors: [{ text: `${args.path} (imported by ${args.importer}): k6 reads ${target} exactly as written and it is not a file (k6 guesses no extension: write the .ts)` }] };
    });
    b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      if (!isScriptFile(args.path)) return undefined;
      const source = await readFile(args.path, 'utf8');
      const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
      const result = await transform(source, { loader, define: missingGlobals, sourcefile: args.path, format: 'esm', target: 'esnext', sourcemap: 'inline' });
      return { contents: result.code, loader: 'js', resolveDir: dirname(args.path) };
    });
    b.onResolve({ filter: /^https?:\/\// }, (args) => ({
      errors: [{ text: `remote import ${args.path} in ${args.importer}: the suite must run offline` }],
    }));
    // Bare names: the harness's own VU runtime (under `here`) runs on Node and may use them; the
    // script under test may not, as k6 has no Node built-ins and does not look in node_modules.
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.importer.startsWith(`${here}/`) || /^file:/.test(args.path)) return undefined;
      const builtin = args.path.startsWith('node:') || builtinModules.includes(args.path);
      const why = builtin ? 'is a Node built-in: k6 has none' : 'is a package name: k6 resolves only relative, absolute and k6/ imports';
      return { errors: [{ text: `${args.path} (imported by ${args.importer}) ${why}` }] };
    });
  },
};

/** Bundle `scriptPath` into a worker entry module; returns the path of the .mjs file. */
export async function bundleScript(scriptPath: string): Promise<string> {
  const script = resolve(scriptPath);
  const entry = [
    `import ${JSON.stringify(join(here, 'vu/globals.ts'))};`,
    `import * as script from ${JSON.stringify(script)};`,
    `import { serve } from ${JSON.stringify(join(here, 'vu/entry.ts'))};`,
    'serve(script);',
  ].join('\n');
  const dir = await mkdtemp(join(tmpdir(), 'k6-harness-'));
  const outfile = join(dir, 'vu.mjs');
  try {
    const result = await build({
      stdin: { contents: entry, resolveDir: dirname(script), loader: 'ts', sourcefile: 'k6-harness-entry.ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      sourcemap: 'inline',
      logLevel: 'silent',
      plugins: [k6Shims],
    });
    const output = result.outputFiles[0];
    if (!output) throw new Error('esbuild produced no output');
    await writeFile(outfile, output.contents);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`k6 harness: cannot bundle ${script}:\n${message}`);
  }
  return outfile;
}
