/**
 * Every alert links to a runbook section that exists in docs/runbooks.md, and every alert follows
 * the house style (CamelCase, severity, for, summary sentence without templating, templated
 * description, service label passthrough).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { jobs, runbookBaseUrl } from '../../monitoring/config/stack.ts';
import { allAlerts } from '../../monitoring/rules/index.ts';
import { repoRoot } from './support.ts';

/** GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

test('every runbook_url points at a section of docs/runbooks.md, and every section has an alert', async () => {
  const text = await readFile(join(repoRoot, 'docs/runbooks.md'), 'utf8');
  const anchors = [...text.matchAll(/^## (.+)$/gm)].map((m) => anchorOf(m[1] ?? ''));
  const alerts = allAlerts();
  for (const alert of alerts) {
    const url = alert.annotations.runbook_url;
    assert.ok(url.startsWith(`${runbookBaseUrl}#`), `${alert.alert}: runbook_url ${url}`);
    const anchor = url.slice(runbookBaseUrl.length + 1);
    assert.ok(anchors.includes(anchor), `${alert.alert}: no "## ..." section with anchor #${anchor} in docs/runbooks.md`);
  }
  assert.deepEqual(anchors.sort(), alerts.map((a) => a.alert.toLowerCase()).sort(), 'runbook sections and alerts differ');
});

test('the alerts checked here are every alert of the committed rule files', async () => {
  // The count comes from the rules Prometheus loads, so a new alert needs no number changed here.
  const dir = join(repoRoot, 'monitoring/prometheus/rules');
  const committed: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(await readFile(join(dir, file), 'utf8')) as { groups: { rules: { alert?: string }[] }[] };
    for (const group of doc.groups) for (const rule of group.rules) if (rule.alert !== undefined) committed.push(rule.alert);
  }
  assert.ok(committed.length > 0, 'no alert found in monitoring/prometheus/rules/*.yml');
  assert.deepEqual(allAlerts().map((a) => a.alert).sort(), committed.sort());
});

test('every alert follows the house style', () => {
  const alerts = allAlerts();
  for (const alert of alerts) {
    assert.match(alert.alert, /^[A-Z][a-zA-Z0-9]+$/, `${alert.alert}: not CamelCase`);
    assert.ok(['critical', 'warning', 'info'].includes(alert.labels.severity));
    assert.match(alert.for, /^(\d+s|1m)$/, `${alert.alert}: for ${alert.for} is longer than a minute`);
    assert.match(alert.annotations.summary, /^[A-Z].*\.$/, `${alert.alert}: summary is not a sentence`);
    assert.doesNotMatch(alert.annotations.summary, /\{\{/, `${alert.alert}: summary is templated`);
    assert.match(alert.annotations.description, /\{\{ \$(labels|value)/, `${alert.alert}: description is not templated`);
    // service is a target label of the probe job (pool alerts) or set per rule (load test, exporter).
    const passesService = alert.expr.includes(`job="${jobs.poolProbe}"`) || alert.labels.service !== undefined;
    assert.ok(passesService, `${alert.alert}: no service label for Alertmanager grouping`);
  }
});
