/** The PromQL of every panel target in a generated dashboard (rows' nested panels included). */
import { readFile } from 'node:fs/promises';

export interface PanelLike {
  title?: string;
  targets?: { expr?: string }[];
  panels?: PanelLike[];
}

export function dashboardQueries(panels: PanelLike[]): { title: string; expr: string }[] {
  return panels.flatMap((p) => [
    ...(p.targets ?? []).filter((t) => t.expr).map((t) => ({ title: p.title ?? '', expr: t.expr ?? '' })),
    ...dashboardQueries(p.panels ?? []),
  ]);
}

export async function dashboardFileQueries(path: string): Promise<{ title: string; expr: string }[]> {
  const dashboard = JSON.parse(await readFile(path, 'utf8')) as { panels: PanelLike[] };
  return dashboardQueries(dashboard.panels);
}
