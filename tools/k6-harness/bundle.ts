/**
 * Bundles a k6 script for the harness with esbuild (k6 itself bundles TypeScript with esbuild):
 * `k6`, `k6/http`, `k6/metrics` and `k6/execution` resolve to the harness's implementations;
 * any other k6 module or a remote import is an error, as the suite must run offline, and so is a
 * Node built-in or a package name imported by the script, which k6 cannot resolve.
 */
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { mkdtemp, writeFile } from 'node:fs/promises';
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
