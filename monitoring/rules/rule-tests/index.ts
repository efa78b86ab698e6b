/** Every promtool unit-test file under monitoring/prometheus/tests/, by file name. */
import { defaultSlo, type SloConfig } from '../../config/slo-config.ts';
import { loadTestAlertTests } from './loadtest-alerts.ts';
import { poolAlertTests } from './pool-alerts.ts';
import { recordingRuleTests } from './recording.ts';
import type { RuleTestFile } from './types.ts';

export function ruleTestFiles(slo: SloConfig = defaultSlo): Record<string, RuleTestFile> {
  return {
    'recording.test.yml': recordingRuleTests(),
    'pool-alerts.test.yml': poolAlertTests(slo),
    'loadtest-alerts.test.yml': loadTestAlertTests(slo),
  };
}
