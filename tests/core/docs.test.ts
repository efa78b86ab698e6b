/**
 * Docs that cannot drift: the generated blocks of README.md and docs/*.md are current and follow
 * the sources, every threshold quoted in prose names its source and matches it, the k6 threshold
 * column of docs/k6.md is what the scripts set, and each runbook states its alert's `for`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { poolExporterMetric, poolMetric, probeFailureReasons } from '../../contract/metrics.ts';
import { connectionStates, managerStatuses, poolStatuses } from '../../contract/pool-health.ts';
import { targetNameRule } from '../../contract/targets.ts';
import { endToEndThresholds, orderCreationThresholds, paymentProcessingThresholds } from '../../k6/lib/thresholds.ts';
import { scrapeTiming } from '../../monitoring/config/stack.ts';
import { slo } from '../../monitoring/config/slo.ts';
import { defaultSlo, type SloConfig } from '../../monitoring/config/slo-config.ts';
import { blockRenderers, blocksIn, fillGeneratedBlocks } from '../../monitoring/doc-blocks.ts';
import { allAlerts } from '../../monitoring/rules/index.ts';
import { repoRoot } from './support.ts';

const documents = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

/** The text a reader sees as prose: generated blocks and code fences removed. */
const prose = (text: string): string =>
  text.replace(/<!-- generated:[\w-]+ -->[\s\S]*?<!-- \/generated -->/g, '').replace(/^```[\s\S]*?^```/gm, '');

describe('generated doc blocks', () => {
  it('are current in README.md and docs/*.md (run `npm run generate`), and every block is used', () => {
    const used = new Set<string>();
    for (const path of documents) {
      const text = read(path);
      for (const name of blocksIn(text)) used.add(name);
      assert.equal(text, fillGeneratedBlocks(path, text), `${path}: a generated block is stale: run \`npm run generate\` and commit`);
    }
    assert.deepEqual([...used].sort(), Object.keys(blockRenderers).sort(), 'a block renderer is used by no document, or a document names an unknown one');
    assert.ok(blocksIn(read('README.md')).includes('alerts'), 'the README alert table is generated');
  });

  it('follow the sources: a moved threshold changes the alert and SLO tables', () => {
    const moved: SloConfig = { ...defaultSlo, fullFlow: { ...defaultSlo.fullFlow, p95Ms: defaultSlo.fullFlow.p95Ms + 25 } };
    const text = '<!-- generated:alerts -->\n<!-- /generated -->\n<!-- generated:slo -->\n<!-- /generated -->\n';
    const before = fillGeneratedBlocks('README.md', text);
    const after = fillGeneratedBlocks('README.md', text, moved);
    const seconds = (ms: number): string => String(ms / 1000);
    assert.ok(before.includes(`>= ${seconds(defaultSlo.fullFlow.p95Ms)} and`) && before.includes(`| ${defaultSlo.fullFlow.p95Ms} ms |`));
    assert.ok(after.includes(`>= ${seconds(moved.fullFlow.p95Ms)} and`) && after.includes(`| ${moved.fullFlow.p95Ms} ms |`), after);
    // One row per alert, with links that work from the document's folder.
    assert.equal(before.split('\n').filter((l) => l.includes('](docs/runbooks.md#')).length, allAlerts().length);
    assert.ok(fillGeneratedBlocks('docs/core.md', text).includes('](runbooks.md#grpcpoolunhealthy)'));
  });

  it('refuse an unknown block and a marker without its end, naming the document', () => {
    assert.throws(() => fillGeneratedBlocks('docs/x.md', '<!-- generated:nope -->\n<!-- /generated -->\n'), /docs\/x\.md: unknown generated block "nope"/);
    assert.throws(() => fillGeneratedBlocks('docs/x.md', '<!-- generated:alerts -->\ntext\n'), /docs\/x\.md: every .* needs its own/);
  });
});

/** The values prose may quote, by the name docs use for them. */
const sources: Record<string, unknown> = { slo, scrapeTiming };

function valueAt(ref: string): unknown {
  const [root = '', ...path] = ref.split('.');
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), sources[root]);
}

/** Does a quoted number with its unit say the same as the source value? */
function sameValue(quoted: string, unit: string, value: unknown): boolean {
  if (typeof value === 'string') return `${quoted}${unit}` === value;
  if (typeof value !== 'number') return false;
  return unit === '%' ? Math.abs(Number(quoted) - value * 100) < 1e-9 : Number(quoted) === value;
}

const REF = '`((?:slo|scrapeTiming)\\.[\\w.*]+)`';
const NUMBER = '(\\d+(?:\\.\\d+)?) ?(ms|%|s)?';
/** `250 ms (`slo.fullFlow.p95Ms`)` and `(`slo.fullFlow.p95Ms`, 250 ms)`. */
const QUOTE_BEFORE = new RegExp(`${NUMBER} \\(${REF}`, 'g');
const QUOTE_AFTER = new RegExp(`${REF}, ${NUMBER}`, 'g');

function quoteProblems(path: string, text: string): string[] {
  const problems: string[] = [];
  const flat = prose(text).replace(/\s+/g, ' ');
  for (const m of flat.matchAll(new RegExp(REF, 'g'))) {
    const ref = m[1] as string;
    // `slo.ts` is a file name, `slo.*.p95Ms` a family of keys.
    if (!ref.includes('*') && !ref.endsWith('.ts') && valueAt(ref) === undefined) problems.push(`${path}: \`${ref}\` names no value in the sources`);
  }
  const check = (ref: string, quoted: string, unit: string): void => {
    if (!sameValue(quoted, unit, valueAt(ref))) problems.push(`${path}: quotes ${quoted}${unit} for \`${ref}\`, which is ${JSON.stringify(valueAt(ref))}`);
  };
  for (const m of flat.matchAll(QUOTE_BEFORE)) check(m[3] as string, m[1] as string, m[2] ?? '');
  for (const m of flat.matchAll(QUOTE_AFTER)) check(m[1] as string, m[2] as string, m[3] ?? '');
  return problems;
}

describe('thresholds quoted in prose', () => {
  it('name their source and match it (README.md, docs/*.md)', () => {
    const problems = documents.flatMap((path) => quoteProblems(path, read(path)));
    assert.deepEqual(problems, []);
  });

  it('are found: a wrong quote, an unknown key and both quote forms fail', () => {
    const text = 'p95 < 275 ms (`slo.fullFlow.p95Ms`), and (`slo.errorRateMax`, 5 %), and `slo.fullFlow.p96Ms`; 99 % (`slo.checksRateMin`) is right.';
    assert.deepEqual(quoteProblems('x.md', text), [
      'x.md: `slo.fullFlow.p96Ms` names no value in the sources',
      'x.md: quotes 275ms for `slo.fullFlow.p95Ms`, which is 250',
      'x.md: quotes 5% for `slo.errorRateMax`, which is 0.01',
    ]);
  });

  it('every SLO figure in README.md, docs/core.md, docs/runbooks.md, docs/k6.md is a named quote or in a generated block', () => {
    const problems = ['README.md', 'docs/core.md', 'docs/runbooks.md', 'docs/k6.md'].flatMap((path) => unnamedFigures(path, read(path)));
    assert.deepEqual(problems, []);
    // The scan finds what it is for: the README intro and table as they were before this test.
    const old = 'thresholds: full-flow p95 < 250 ms, error rate < 1 %, and | a pool is below 80 % healthy, 1 m | 250 ms (`slo.fullFlow.p95Ms`)';
    assert.equal(unnamedFigures('x.md', old).length, 3);
  });
});

/** SLO figures (`250 ms`, `1 %`) written in prose without the key they come from. */
function unnamedFigures(path: string, text: string): string[] {
  const figures = new Set<string>();
  const walk = (node: unknown, key: string): void => {
    if (typeof node === 'number' && !/^(baseline|expected)/.test(key)) {
      if (/Ms$/.test(key)) figures.add(`${node} ms`);
      if (/(Ratio|Rate)(Max|Min)?$/.test(key)) figures.add(`${Number((node * 100).toPrecision(4))} %`);
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, k);
    }
  };
  walk(slo, '');
  const flat = prose(text).replace(/\s+/g, ' ');
  const problems: string[] = [];
  for (const m of flat.matchAll(/(?<![\w.])(\d+(?:\.\d+)?) ?(ms|%)/g)) {
    if (!figures.has(`${m[1]} ${m[2]}`)) continue;
    const at = m.index ?? 0;
    const end = at + m[0].length;
    const named = flat.slice(end, end + 8).startsWith(' (`slo.') || /`slo\.[\w.]+`, $/.test(flat.slice(Math.max(0, at - 60), at));
    if (!named) problems.push(`${path}: "${flat.slice(Math.max(0, at - 40), end + 20)}" quotes ${m[0]} without naming its slo key`);
  }
  return problems;
}

describe('the contract in the docs', () => {
  it('lists connectivity states, pool and manager statuses and probe failure reasons whole wherever it lists them', () => {
    const lists: readonly (readonly string[])[] = [connectionStates, poolStatuses, managerStatuses, probeFailureReasons];
    const problems: string[] = [];
    let listings = 0;
    for (const path of documents) {
      for (const line of prose(read(path)).split('\n')) {
        const words = new Set([...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string));
        const named = lists.map((list) => list.filter((item) => words.has(item)));
        const complete = named.some((items, i) => items.length === lists[i]!.length);
        if (complete) listings++;
        const partial = named.find((items, i) => items.length >= 3 && items.length < lists[i]!.length);
        // A whole shorter list (the pool statuses inside the manager statuses) is a listing of its own.
        if (partial && !lists.some((list) => list.length === partial.length && list.every((item) => partial.includes(item)))) {
          problems.push(`${path}: "${line.trim().slice(0, 100)}" lists ${partial.join(', ')} but contract/pool-health.ts has more`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(listings >= 6, `only ${listings} listings found in the docs`);
  });

  it('names only pool and exporter series the contract defines, and README/docs/exporter.md name all of them', () => {
    const known = new Set<string>([...Object.values(poolMetric), ...Object.values(poolExporterMetric)]);
    const unknown: string[] = [];
    for (const path of documents) {
      // `grpc_pool_x`, `grpc_pool_x{labels}`, but not recorded series (`service:grpc_pool_…:min`).
      for (const m of read(path).matchAll(/`((?:grpc_pool|pool_exporter)_[a-z_]+)(?=[`{])/g)) {
        if (!known.has(m[1] as string)) unknown.push(`${path}: ${m[1]}`);
      }
    }
    assert.deepEqual(unknown, [], 'the docs name series the exporter does not expose (contract/metrics.ts)');
    const described = `${read('README.md')}\n${read('docs/exporter.md')}`;
    for (const name of known) assert.ok(described.includes(`\`${name}`), `neither README.md nor docs/exporter.md describes ${name}`);
  });

  it("states the exporter's target name rule as contract/targets.ts has it", () => {
    const pattern = /must match (\S+)/.exec(targetNameRule)?.[1] ?? '';
    assert.ok(pattern.length > 5, targetNameRule);
    assert.ok(read('docs/exporter.md').includes(pattern), `docs/exporter.md does not state ${pattern}`);
  });
});

describe('docs/k6.md', () => {
  it('states in its threshold column exactly the thresholds the scripts set', () => {
    const set = new Map<string, Set<string>>();
    for (const thresholds of [endToEndThresholds(true, 'full'), orderCreationThresholds(true), paymentProcessingThresholds(true)]) {
      for (const [metric, list] of Object.entries(thresholds)) {
        const known = set.get(metric) ?? new Set<string>();
        for (const t of list) known.add(typeof t === 'string' ? t : t.threshold);
        set.set(metric, known);
      }
    }
    const rows = read('docs/k6.md')
      .split('\n')
      .filter((line) => /^\| `[a-z_]+`/.test(line))
      .map((line) => line.split('|').map((c) => c.trim()));
    let checked = 0;
    for (const row of rows) {
      const metrics = [...(row[1] ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string);
      const stated = [...(row.at(-2) ?? '').matchAll(/\b(p\(\d+\)|avg|rate|count)(<|>|>=|<=)(\d+(?:\.\d+)?)/g)].map((m) => m[0]);
      for (const threshold of stated) {
        const metric = metrics.find((name) => set.get(name)?.has(threshold));
        assert.ok(metric !== undefined, `docs/k6.md: ${metrics.join(', ')} states ${threshold}, which no script sets`);
        checked++;
      }
    }
    // The table states the SLO thresholds of every custom metric (a rename would leave it empty).
    assert.ok(checked >= 10, `only ${checked} thresholds found in docs/k6.md`);
  });
});

describe('docs/runbooks.md', () => {
  it("states each alert's `for` where its Meaning paragraph gives a duration", () => {
    const text = read('docs/runbooks.md');
    const seconds = (phrase: string): number => {
      const m = /(a|\d+) (minute|second)s?/.exec(phrase);
      const n = m?.[1] === 'a' ? 1 : Number(m?.[1]);
      return m?.[2] === 'minute' ? n * 60 : n;
    };
    const forSeconds = (value: string): number => (value.endsWith('m') ? Number(value.slice(0, -1)) * 60 : Number(value.slice(0, -1)));
    let stated = 0;
    for (const alert of allAlerts()) {
      const section = text.split(/^## /m).find((s) => s.startsWith(`${alert.alert}\n`)) ?? '';
      const meaning = (/\*\*Meaning\.\*\*([\s\S]*?)(?:\n\n|$)/.exec(section)?.[1] ?? '').replace(/\s+/g, ' ');
      for (const m of meaning.matchAll(/\bfor (a minute|\d+ (?:seconds|minutes))/g)) {
        assert.equal(seconds(m[1] as string), forSeconds(alert.for), `docs/runbooks.md ${alert.alert}: says "for ${m[1]}", the rule holds for ${alert.for}`);
        stated++;
      }
    }
    assert.ok(stated >= allAlerts().length / 2, `only ${stated} durations found`);
  });
});
