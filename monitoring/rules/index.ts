/** Every rule file under monitoring/prometheus/rules/, by file name. */
import { defaultSlo, type SloConfig } from '../config/slo-config.ts';
import { loadTestAlerts } from './loadtest-alerts.ts';
import { poolAlerts } from './pool-alerts.ts';
import { recordingRules } from './recording.ts';
import type { AlertingRule, RecordingRule, RuleFile } from './types.ts';

export function ruleFiles(slo: SloConfig = defaultSlo): Record<string, RuleFile> {
  return {
    'recording.yml': recordingRules(),
    'pool-alerts.yml': poolAlerts(slo),
    'loadtest-alerts.yml': loadTestAlerts(slo),
  };
}

const isAlert = (rule: RecordingRule | AlertingRule): rule is AlertingRule => 'alert' in rule;

/** Every alerting rule of every rule file, in file order: a new rule file needs no other list. */
export function allAlerts(slo: SloConfig = defaultSlo): AlertingRule[] {
  return Object.values(ruleFiles(slo)).flatMap((file) => file.groups.flatMap((group) => group.rules.filter(isAlert)));
}
