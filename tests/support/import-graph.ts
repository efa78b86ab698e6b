/**
 * The repository's import graph and the layout rules it must keep (issue 13): nothing outside
 * tests/ imports tests/, no import cycle between top-level folders, and monitoring/ imports only
 * towards its config (config <- lib <- rules, dashboards, generators <- the generate entry).
 * Imports are read from the source text (TypeScript 7 has no JS API), type-only ones included,
 * since a type import is a dependency of the folder all the same.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface Import {
  /** Repository-relative path of the importing file, with forward slashes. */
  from: string;
  /** Repository-relative path of the imported file. */
  to: string;
  /** The specifier as written. */
  specifier: string;
}

const SKIPPED_DIRS = new Set(['node_modules']);

function sourceFiles(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.') ? [] : sourceFiles(root, path);
    return /\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

// Statements at the start of a line: `import … from '…'`, `export … from '…'` (the braces of a
// multi-line list hold no quotes or semicolons), `import '…'`; and dynamic `import('…')`.
const STATIC_IMPORT = /^[ \t]*(?:import|export)\b[^'";]*?\bfrom\s*(['"])([^'"\n]+)\1/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;

export function specifiersOf(source: string): string[] {
  return [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT].flatMap((pattern) =>
    [...source.matchAll(pattern)].map((match) => match[2] as string),
  );
}

function resolveFile(base: string): string | undefined {
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every relative import between files of the tree under `root` (package imports are not ours). */
export function importsOf(root: string): Import[] {
  return sourceFiles(root).flatMap((from) => {
    const source = readFileSync(join(root, from), 'utf8');
    return specifiersOf(source)
      .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
      .flatMap((specifier) => {
        // A specifier that names no file is tsc's business (or text inside a test fixture string).
        const target = resolveFile(resolve(root, dirname(from), specifier));
        return target === undefined ? [] : [{ from, to: relative(root, target).split(sep).join('/'), specifier }];
      });
  });
}

const topFolder = (path: string): string => path.split('/')[0] as string;
const describe = (i: Import): string => `${i.from} imports ${i.to} ('${i.specifier}')`;

/** Files outside tests/ that import from tests/. */
export function importsIntoTests(imports: readonly Import[]): string[] {
  return imports
    .filter((i) => topFolder(i.from) !== 'tests' && topFolder(i.to) === 'tests')
    .map((i) => `${describe(i)}: code outside tests/ must not depend on tests/ (move what it needs to tools/ or a shared lib)`);
}

/**
 * Cycles in the graph of units (top-level folders, or monitoring's subfolders), one message each,
 * naming one import for every edge of the cycle.
 */
export function cyclesBetween(imports: readonly Import[], unitOf: (path: string) => string | undefined): string[] {
  const edges = new Map<string, Map<string, Import>>();
  for (const i of imports) {
    const [a, b] = [unitOf(i.from), unitOf(i.to)];
    if (a === undefined || b === undefined || a === b) continue;
    const out = edges.get(a) ?? new Map<string, Import>();
    if (!out.has(b)) out.set(b, i);
    edges.set(a, out);
  }
  const found: string[] = [];
  const seen = new Set<string>();
  // Depth-first search from each unit; a back edge to a unit on the current path closes a cycle.
  const visit = (unit: string, path: string[]): void => {
    for (const next of [...(edges.get(unit)?.keys() ?? [])].sort()) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const cycle = [...path.slice(at), next];
        const key = [...cycle.slice(0, -1)].sort().join(',');
        if (seen.has(key)) continue;
        seen.add(key);
        const proof = cycle.slice(0, -1).map((u, k) => `  ${describe(edges.get(u)?.get(cycle[k + 1] as string) as Import)}`);
        found.push(`import cycle ${cycle.join(' -> ')}:\n${proof.join('\n')}`);
      } else {
        visit(next, [...path, next]);
      }
    }
  };
  for (const unit of [...edges.keys()].sort()) visit(unit, [unit]);
  return found;
}

export const topLevelCycles = (imports: readonly Import[]): string[] => cyclesBetween(imports, topFolder);

/**
 * monitoring/ is a mixin: config is the bottom, lib may use config, each output (rules,
 * dashboards, the other config-file generators) may use lib and config but not another output.
 * Files directly in monitoring/ (generate.ts, artifacts.ts) put the outputs together.
 */
export const monitoringLayers: Readonly<Record<string, readonly string[]>> = {
  config: ['config'],
  lib: ['config', 'lib'],
  rules: ['config', 'lib', 'rules'],
  dashboards: ['config', 'lib', 'dashboards'],
  generators: ['config', 'lib', 'generators'],
};

/** monitoring/<sub>/… -> sub; undefined for files directly in monitoring/ and outside it. */
const monitoringSub = (path: string): string | undefined => {
  const parts = path.split('/');
  return parts[0] === 'monitoring' && parts.length > 2 ? parts[1] : undefined;
};

export function monitoringLayerViolations(imports: readonly Import[]): string[] {
  const problems: string[] = [];
  for (const i of imports) {
    const from = monitoringSub(i.from);
    if (from === undefined) continue;
    const allowed = monitoringLayers[from];
    if (allowed === undefined) {
      problems.push(`${i.from}: monitoring/${from}/ has no place in the monitoring layers (tests/support/import-graph.ts monitoringLayers); say what it may import`);
      continue;
    }
    if (topFolder(i.to) !== 'monitoring') continue;
    const to = monitoringSub(i.to);
    if (to === undefined) {
      problems.push(`${describe(i)}: monitoring/${from}/ must not import the generate entry files in monitoring/`);
    } else if (!allowed.includes(to)) {
      problems.push(`${describe(i)}: monitoring/${from}/ may import only ${allowed.map((a) => `${a}/`).join(', ')}; what ${from}/ and ${to}/ share belongs in lib/ or config/`);
    }
  }
  return problems;
}

/**
 * contract/ is what every folder shares, k6 scripts included: it imports nothing of the
 * repository outside itself, and no package or Node built-in (k6 could not load them).
 */
export function contractViolations(root: string): string[] {
  if (!existsSync(join(root, 'contract'))) return [];
  return sourceFiles(root, 'contract').flatMap((from) =>
    specifiersOf(readFileSync(join(root, from), 'utf8')).flatMap((specifier) => {
      const relativeSpec = specifier.startsWith('./') || specifier.startsWith('../');
      const to = relativeSpec ? relative(root, resolve(root, dirname(from), specifier)).split(sep).join('/') : undefined;
      if (to !== undefined && to.startsWith('contract/')) return [];
      const what = to ?? `the package ${specifier}`;
      return [`${from} imports ${what} ('${specifier}'): contract/ is plain data every folder and k6 import, so it imports nothing outside itself`];
    }),
  );
}

/** Every layout rule broken in the tree under `root`. */
export function layoutProblems(root: string): string[] {
  const imports = importsOf(root);
  return [...importsIntoTests(imports), ...topLevelCycles(imports), ...monitoringLayerViolations(imports), ...contractViolations(root)];
}
