/**
 * Payment processing under load: create an order, pay it, verify it reads back as paid.
 * Phases (scenario label): warm-up 10 VUs 30 s, load 25 VUs 2 m, peak 50 VUs 2 m (PROFILE=smoke: seconds).
 */
import type { Options } from 'k6/options';
import { check, group } from 'k6';
import { config, runTags } from './lib/config.ts';
import { baseline } from './lib/baseline.ts';
import { paymentPhases, phasedScenarios } from './lib/profiles.ts';
import { paymentProcessingThresholds, summaryTrendStats } from './lib/thresholds.ts';
import { createOrder, getOrder, listProducts, pay } from './lib/api.ts';
import { errors } from './lib/metrics.ts';
import { recordTimeSaved, think } from './lib/flow.ts';
import { sessionFor, setupSessions, type SetupData } from './lib/users.ts';
import { summaryWriter } from './lib/summary.ts';

export const options: Options = {
  scenarios: phasedScenarios(paymentPhases[config.profile]),
  thresholds: paymentProcessingThresholds(baseline !== null),
  summaryTrendStats,
  tags: runTags,
};

export function setup(): SetupData {
  return setupSessions();
}

export default function (data: SetupData): void {
  const session = sessionFor(data, __VU);
  const products = group('browse', () => listProducts(session));
  const product = products[(__ITER + __VU) % Math.max(products.length, 1)];
  if (!product) return;
  const order = group('order', () => {
    const created = createOrder(session, [{ product_id: product.id, quantity: 1 }]);
    if (created.order) recordTimeSaved(created.durationMs);
    return created.order;
  });
  if (!order) return;
  think();
  group('payment', () => {
    const payment = pay(session, order.id);
    if (!payment) return;
    const paid = getOrder(session, order.id);
    errors.add(!check(paid, { 'order is paid after payment': (o) => o?.status === 'paid' }));
  });
  think();
}

export const handleSummary = summaryWriter('payment-processing-test');
