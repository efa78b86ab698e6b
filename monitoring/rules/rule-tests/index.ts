/** Every promtool unit-test file under monitoring/prometheus/tests/, by file name. */
import { defaultSlo, type SloConfig } from '../../config/slo-config.ts';
import { loadTestAlertTests } from './loadtest-alerts.ts';
import { nativeHistogramRuleTests } from './native-histograms.ts';
import { poolAlertTests } from './pool-alerts.ts';
import { recordingRuleTests } from './recording.ts';
import type { RuleTestFile } from './types.ts';

export function ruleTestFiles(slo: SloConfig = defaultSlo): Record<string, RuleTestFile> {
  return {
    'recording.test.yml': recordingRuleTests(),
    'pool-alerts.test.yml': poolAlertTests(slo),
    'loadtest-alerts.test.yml': loadTestAlertTests(slo),
    [NATIVE_HISTOGRAM_RULE_TESTS]: nativeHistogramRuleTests(slo),
  };
}

/** Fed native histograms: promtool 3.x only (2.42 cannot parse the `{{schema:...}}` series notation). */
export const NATIVE_HISTOGRAM_RULE_TESTS = 'loadtest-native-histograms.test.yml';

/** The files every supported promtool runs: exact-valued float inputs, Prometheus 2.42 and 3.x alike. */
export function portableRuleTestNames(): string[] {
  return Object.keys(ruleTestFiles()).filter((name) => name !== NATIVE_HISTOGRAM_RULE_TESTS);
}
