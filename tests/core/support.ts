/**
 * Helpers for the core tests: run promtool/amtool with readable failures, and pull every PromQL
 * expression out of the generated dashboards with Grafana's variables replaced by real values.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltDashboard } from '../../monitoring/dashboards/common.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface CommandResult {
  status: number | null;
  /** stdout followed by stderr. */
  output: string;
  stdout: string;
}

export function run(command: string, args: string[], cwd = repoRoot): CommandResult {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

/** Run and fail with the tool's own output when it exits non-zero. */
export function runOk(command: string, args: string[], cwd = repoRoot): string {
  const { status, output } = run(command, args, cwd);
  if (status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${status}:\n${output}`);
  return output;
}

/**
 * Grafana's variables as a real query would see them. Multi-value and "All" variables become
 * regexes; single-value run pickers become a run name.
 */
const substitutions: [RegExp, string][] = [
  [/\$__rate_interval/g, '20s'],
  [/\$__range/g, '15m'],
  [/\$__interval/g, '5s'],
  [/\$\{?testid\}?/g, 'run-1|run-2'],
  [/\$\{?baseline\}?/g, 'run-1'],
  [/\$\{?pooled\}?/g, 'run-2'],
  [/\$\{?service\}?/g, '.+'],
  [/\$\{?pool\}?/g, '.+'],
];

export function substituteVariables(expr: string): string {
  let result = expr;
  for (const [pattern, value] of substitutions) result = result.replace(pattern, value);
  const leftover = /\$\{?[A-Za-z_]\w*/.exec(result);
  if (leftover) throw new Error(`unknown Grafana variable ${leftover[0]} in ${JSON.stringify(expr)}`);
  return result;
}

export interface DashboardExpression {
  dashboard: string;
  where: string;
  expr: string;
}

interface PanelLike {
  title?: string;
  type?: string;
  targets?: { expr?: string; refId?: string }[];
  panels?: PanelLike[];
}

/** Panels of a dashboard, rows flattened (rows' own nested panels included). */
export function allPanels(dashboard: BuiltDashboard): PanelLike[] {
  const panels: PanelLike[] = [];
  const visit = (list: PanelLike[] | undefined): void => {
    for (const panel of list ?? []) {
      panels.push(panel);
      visit(panel.panels);
    }
  };
  visit(dashboard.panels as PanelLike[]);
  return panels;
}

/** Panel queries, annotation queries, and variable queries (label_values(selector, label) -> selector). */
export function dashboardExpressions(dashboard: BuiltDashboard): DashboardExpression[] {
  const found: DashboardExpression[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (target.expr === undefined) continue;
      found.push({ dashboard: dashboard.uid, where: `panel "${panel.title}" query ${target.refId}`, expr: target.expr });
    }
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    if (annotation.expr) found.push({ dashboard: dashboard.uid, where: `annotation "${annotation.name}"`, expr: annotation.expr });
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query' || typeof variable.query !== 'string') continue;
    const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.query);
    if (!match?.[1]) throw new Error(`${dashboard.uid}: variable ${variable.name} query is not label_values(selector, label): ${variable.query}`);
    found.push({ dashboard: dashboard.uid, where: `variable ${variable.name}`, expr: match[1] });
  }
  return found;
}
