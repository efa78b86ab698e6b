/** Every rule file under monitoring/prometheus/rules/, by file name. */
import { defaultSlo, type SloConfig } from '../config/slo-config.ts';
import { loadTestAlerts } from './loadtest-alerts.ts';
import { poolAlerts } from './pool-alerts.ts';
import { recordingRules } from './recording.ts';
import type { AlertingRule, RuleFile } from './types.ts';

export function ruleFiles(slo: SloConfig = defaultSlo): Record<string, RuleFile> {
  return {
    'recording.yml': recordingRules(),
    'pool-alerts.yml': poolAlerts(slo),
    'loadtest-alerts.yml': loadTestAlerts(slo),
  };
}

export function allAlerts(slo: SloConfig = defaultSlo): AlertingRule[] {
  return [...poolAlerts(slo).groups, ...loadTestAlerts(slo).groups].flatMap((group) => group.rules);
}
