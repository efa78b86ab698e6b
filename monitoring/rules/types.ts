/** Prometheus rule file shapes, as `promtool check rules` reads them. */

export type Severity = 'critical' | 'warning' | 'info';

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity; service?: string };
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup<R> {
  name: string;
  rules: R[];
}

export interface RuleFile<R = RecordingRule | AlertingRule> {
  groups: RuleGroup<R>[];
}
