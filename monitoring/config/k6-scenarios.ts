/**
 * The k6 scripts by scenario name: what `npm run loadtest -- <scenario>` runs and what the
 * Kubernetes TestRun's ConfigMap bundles (one list, so a new script reaches both).
 */
export const scenarios = {
  order: 'k6/order-creation-test.ts',
  payment: 'k6/payment-processing-test.ts',
  e2e: 'k6/end-to-end-test.ts',
} as const;
export type ScenarioName = keyof typeof scenarios;
