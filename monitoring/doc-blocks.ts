/**
 * The parts of README.md and docs/*.md that restate the sources (the alert table, the SLO
 * values, Prometheus' flags) are generated between markers, so they cannot drift:
 *
 *   <!-- generated:alerts -->
 *   ...written by `npm run generate`...
 *   <!-- /generated -->
 *
 * Pure: `fillGeneratedBlocks` takes a document's text and returns it with every block rewritten.
 */
import { posix } from 'node:path';
import { prometheusFlags } from './config/stack.ts';
import { defaultSlo, type SloConfig } from './config/slo-config.ts';
import { milliseconds, percent } from './lib/format.ts';
import { allAlerts } from './rules/index.ts';

/** A block's content for the document at `docPath` (links are relative to it). */
type BlockRenderer = (docPath: string, slo: SloConfig) => string;

const RUNBOOKS = 'docs/runbooks.md';

const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
const code = (text: string): string => `\`${cell(text)}\``;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function alertsTable(docPath: string, slo: SloConfig): string {
  const runbooks = posix.relative(posix.dirname(docPath), RUNBOOKS);
  return table(
    ['alert', 'severity', 'meaning', 'fires when (expression, held for)', 'runbook'],
    allAlerts(slo).map((rule) => [
      rule.alert,
      rule.labels.severity,
      cell(rule.annotations.summary),
      `${code(rule.expr)} for ${rule.for}`,
      `[runbook](${runbooks}#${rule.annotations.runbook_url.split('#')[1] ?? ''})`,
    ]),
  );
}

/** `Ms` values in milliseconds, ratios and rates as percentages, counts as they are. */
function sloValue(key: string, value: number): string {
  if (/Ms$/.test(key)) return milliseconds(value).replace('ms', ' ms');
  if (/(Ratio|Rate)(Max|Min)?$/.test(key)) return percent(value).replace('%', ' %');
  return String(value);
}

/** Every target of slo.ts (reference figures of the seed, `baseline*` and `expected*`, left out). */
function sloLeaves(node: unknown, path: string[] = []): { key: string; value: number }[] {
  if (typeof node === 'number') return [{ key: path.join('.'), value: node }];
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([name, child]) => (/^(baseline|expected)/.test(name) ? [] : sloLeaves(child, [...path, name])));
}

function sloTable(_docPath: string, slo: SloConfig): string {
  return table(
    ['`slo` key (monitoring/config/slo.ts)', 'value'],
    sloLeaves(slo).map(({ key, value }) => [code(`slo.${key}`), sloValue(key, value)]),
  );
}

function prometheusFlagsTable(): string {
  return table(['flag', 'why'], prometheusFlags.map(({ flag, why }) => [code(flag), why]));
}

export const blockRenderers: Readonly<Record<string, BlockRenderer>> = {
  alerts: alertsTable,
  slo: sloTable,
  'prometheus-flags': prometheusFlagsTable,
};

const BLOCK = /<!-- generated:([\w-]+) -->\n([\s\S]*?)<!-- \/generated -->/g;

/** The names of the blocks a document holds, in order. */
export function blocksIn(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((m) => m[1] as string);
}

/**
 * The document with every generated block rewritten. An unknown block name or a marker without
 * its end is an error naming the document, so a typo cannot leave a block stale.
 */
export function fillGeneratedBlocks(docPath: string, text: string, slo: SloConfig = defaultSlo): string {
  const opened = (text.match(/<!-- generated:/g) ?? []).length;
  const closed = (text.match(/<!-- \/generated -->/g) ?? []).length;
  if (opened !== blocksIn(text).length || closed !== opened) {
    throw new Error(`${docPath}: every "<!-- generated:NAME -->" line needs its own "<!-- /generated -->" (found ${opened} opening, ${closed} closing markers)`);
  }
  return text.replace(BLOCK, (_match, name: string) => {
    const render = blockRenderers[name];
    if (render === undefined) throw new Error(`${docPath}: unknown generated block "${name}" (known: ${Object.keys(blockRenderers).join(', ')})`);
    return `<!-- generated:${name} -->\n${render(docPath, slo)}\n<!-- /generated -->`;
  });
}
