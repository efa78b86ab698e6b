/**
 * The Go template functions that alert descriptions use, re-implemented for the expected text of
 * promtool unit tests (Prometheus' template/template.go): %.4g, humanizePercentage, humanizeDuration.
 */

/** Go's %.4g for the magnitudes alerts print (no exponent form needed here). */
export function g4(value: number): string {
  return String(Number(value.toPrecision(4)));
}

export const humanizePercentage = (value: number): string => `${g4(value * 100)}%`;

export function humanizeDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  if (Math.abs(seconds) >= 1) {
    if (seconds >= 60) throw new Error(`humanizeDuration: ${seconds}s is beyond what these tests use (under a minute)`);
    return `${g4(seconds)}s`;
  }
  let value = seconds;
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p']) {
    if (Math.abs(value) >= 1) break;
    prefix = p;
    value *= 1000;
  }
  return `${g4(value)}${prefix}s`;
}
