/**
 * Probe target names: the key of a target in the exporter's config, its `?target=` parameter,
 * Prometheus' static target and the `service`/`instance` label of its series.
 * Plain data and pure functions, no imports: every folder of the repository may import it.
 */

/** The demo shop's services that hold connection pools, by the target name they are probed as. */
export const demoTargetName = {
  apiGateway: 'api-gateway',
  orderService: 'order-service',
  paymentService: 'payment-service',
} as const;
export type DemoTargetName = (typeof demoTargetName)[keyof typeof demoTargetName];

/**
 * The one rule for a target name, wherever it is written (exporter config, POOL_TARGETS): it
 * appears in URLs, logs, label values and the exporter's landing page, so it stays plain. No `/`,
 * which Prometheus refuses in a static target.
 */
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** What the rule says, for error messages. */
export const targetNameRule = 'a target name must match [A-Za-z0-9][A-Za-z0-9_.:-]* (at most 128 characters)';

export function isTargetName(name: string): boolean {
  return TARGET_NAME.test(name);
}
