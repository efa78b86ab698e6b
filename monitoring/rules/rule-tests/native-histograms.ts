/**
 * promtool unit tests that feed k6-shaped native histograms to the load-test rules: histograms ->
 * recorded quantiles (recording.yml) -> latency alerts (loadtest-alerts.yml). promtool 3.x reads
 * the `{{schema:... buckets:[...]}}` series notation; 2.42 cannot load it, so this file runs on the
 * pinned promtool only (tests/core/promtool.test.ts) and the portable files cover 2.42.
 */
import { k6Remote } from '../../../contract/metrics.ts';
import { defaultSlo, latencyTargetsOf, msToSeconds, type SloConfig } from '../../config/slo-config.ts';
import { milliseconds } from '../../lib/format.ts';
import { trendHistogram } from '../../lib/promql.ts';
import { latencyTargetKeys, RECORDED_QUANTILES, recorded } from '../../lib/recorded.ts';
import { latencyAlertNameOf, loadTestAlerts } from '../loadtest-alerts.ts';
import { humanizeDuration } from './humanize.ts';
import { seriesOf, type RuleTestFile, type TestGroup } from './types.ts';

/** k6 pushes every 5s; the rules then evaluate at every push. */
const PUSH = '5s';
const STEPS = 30;
/** Observations per push, lower bucket then the one above it: the p95 lands in the upper bucket. */
const PER_PUSH = [17, 3] as const;
const SLOW = 'run-slow';
const FAST = 'run-fast';
/** round(x, 0.0001): compares the recorded quantile to 4 decimals, clear of last-bit differences in Exp2. */
const ROUND_TO = 0.0001;

/**
 * histogram_quantile on a schema-0 native histogram (Prometheus' promql/quantile.go): walk the
 * buckets from the top for q >= 0.5, then interpolate on the log2 scale inside the bucket.
 * `counts[i]` is bucket offset+i, whose upper bound is 2^(offset+i).
 */
export function schema0Quantile(q: number, offset: number, counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const order = q < 0.5 ? counts.map((_, i) => i) : counts.map((_, i) => counts.length - 1 - i);
  let rank = q < 0.5 ? q * total : (1 - q) * total;
  let seen = 0;
  let index = order[order.length - 1] ?? 0;
  for (const i of order) {
    if ((counts[i] ?? 0) === 0) continue;
    index = i;
    seen += counts[i] ?? 0;
    if (seen >= rank) break;
  }
  const bucketCount = counts[index] ?? 0;
  rank = q < 0.5 ? rank - (seen - bucketCount) : seen - rank;
  const logUpper = offset + index;
  return 2 ** (logUpper - 1 + (rank / bucketCount));
}

/** Prometheus' round(v, to): floor(v * (1/to) + 0.5) / (1/to). */
const roundTo = (value: number, to: number): number => Math.floor(value * (1 / to) + 0.5) / (1 / to);

/** A k6 trend as a cumulative schema-0 native histogram growing by PER_PUSH every push. */
function histogramSeries(name: string, testid: string, offset: number): { series: string; values: string } {
  const count = PER_PUSH[0] + PER_PUSH[1];
  // sum: each observation at its bucket's upper bound (only NaN-ness matters to the quantile).
  const sum = PER_PUSH[0] * 2 ** offset + PER_PUSH[1] * 2 ** (offset + 1);
  const step = `{{schema:0 sum:${sum} count:${count} buckets:[${PER_PUSH.join(' ')}] offset:${offset}}}`;
  return { series: seriesOf(name, { testid, scenario: 'full_flow' }), values: `${step}+${step}x${STEPS}` };
}

export function nativeHistogramRuleTests(slo: SloConfig = defaultSlo): RuleTestFile {
  const targets = latencyTargetsOf(slo);
  const rules = new Map(loadTestAlerts(slo).groups.flatMap((g) => g.rules).map((rule) => [rule.alert, rule]));
  const groups: TestGroup[] = latencyTargetKeys.map((key) => {
    const target = targets[key];
    const targetSeconds = msToSeconds(target.p95Ms);
    // Slow: the lower bucket starts at the target, so every quantile is above it. Fast: two buckets down, every quantile below.
    const slowOffset = Math.ceil(Math.log2(targetSeconds)) + 1;
    const fastOffset = slowOffset - 3;
    const p95 = { [SLOW]: schema0Quantile(0.95, slowOffset, PER_PUSH), [FAST]: schema0Quantile(0.95, fastOffset, PER_PUSH) };
    if (!(p95[SLOW] >= targetSeconds && p95[FAST] < targetSeconds)) throw new Error(`native-histogram tests: ${key} quantiles do not straddle ${targetSeconds}s`);
    const name = latencyAlertNameOf(key);
    const rule = rules.get(name);
    if (!rule) throw new Error(`native-histogram tests: no alert ${name}`);
    return {
      interval: PUSH,
      input_series: [
        histogramSeries(trendHistogram(key), SLOW, slowOffset),
        histogramSeries(trendHistogram(key), FAST, fastOffset),
        { series: seriesOf(k6Remote.gauge('vus'), { testid: SLOW }), values: `10x${STEPS}` },
        { series: seriesOf(k6Remote.gauge('vus'), { testid: FAST }), values: `10x${STEPS}` },
      ],
      promql_expr_test: RECORDED_QUANTILES.map((q) => ({
        expr: `round(${recorded.latencyQuantile(key, q)}, ${ROUND_TO})`,
        eval_time: '2m',
        exp_samples: [SLOW, FAST].map((testid) => ({
          labels: `{testid="${testid}"}`,
          value: roundTo(schema0Quantile(q, testid === SLOW ? slowOffset : fastOffset, PER_PUSH), ROUND_TO),
        })),
      })),
      alert_rule_test: [
        {
          eval_time: '2m',
          alertname: name,
          exp_alerts: [
            {
              exp_labels: { testid: SLOW, ...rule.labels },
              exp_annotations: {
                summary: rule.annotations.summary,
                description: `${target.title} p95 over the last minute of test ${SLOW} is ${humanizeDuration(p95[SLOW])}, not below the ${milliseconds(target.p95Ms)} target.`,
                runbook_url: rule.annotations.runbook_url,
              },
            },
          ],
        },
      ],
    };
  });
  return { rule_files: ['../rules/recording.yml', '../rules/loadtest-alerts.yml'], evaluation_interval: PUSH, tests: groups };
}
