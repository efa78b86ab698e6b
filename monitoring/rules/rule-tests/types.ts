/** promtool unit-test file shapes (`promtool test rules`). */

export interface InputSeries {
  series: string;
  values: string;
}

export interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

export interface AlertRuleTest {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpectedAlert[];
}

export interface PromqlExprTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}

export interface TestGroup {
  interval: string;
  input_series: InputSeries[];
  alert_rule_test?: AlertRuleTest[];
  promql_expr_test?: PromqlExprTest[];
}

export interface RuleTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: TestGroup[];
}

/** `name{a="b",...}` as promtool's series notation. */
export function seriesOf(name: string, labels: Record<string, string>): string {
  const body = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',');
  return `${name}{${body}}`;
}

/** The same value for `steps` + 1 samples, in promtool's expanding notation. */
export const constant = (value: number, steps = 20): string => `${value}x${steps}`;
