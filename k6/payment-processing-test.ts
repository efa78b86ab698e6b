/**
 * Payment processing under load: cart, order, pay the order's total, verify the payment reads
 * back COMPLETED (the contract's "is it paid" rule), then read the order back.
 * Phases (scenario label): warm-up 10 VUs 30 s, load 25 VUs 2 m, peak 50 VUs 2 m (PROFILE=smoke: seconds).
 */
import type { Options } from 'k6/options';
import exec from 'k6/execution';
import { config, runTags } from './lib/config.ts';
import { baseline } from './lib/baseline.ts';
import { paymentPhases, phasedScenarios } from './lib/profiles.ts';
import { paymentProcessingThresholds, summaryTrendStats } from './lib/thresholds.ts';
import { addToCart, createOrder, getOrder, listProducts, pay, paymentOfOrder } from './lib/api.ts';
import { Flow, recordTimeSaved, think } from './lib/flow.ts';
import { afterFlow, sessionFor } from './lib/users.ts';
import { summaryWriter } from './lib/summary.ts';

export const options: Options = {
  scenarios: phasedScenarios(paymentPhases[config.profile]),
  thresholds: paymentProcessingThresholds(baseline !== null),
  summaryTrendStats,
  tags: runTags,
};

function steps(flow: Flow): void {
  const session = sessionFor(flow, exec.vu.idInTest);
  if (!session) return;
  const products = flow.step('browse', () => listProducts());
  const product = products?.[(__ITER + __VU) % products.length];
  if (!product) return;
  if (!flow.step('cart', () => addToCart(session, product.id))) return;
  const order = flow.step('order', () => {
    const created = createOrder(session);
    if (created.ok) recordTimeSaved(created.durationMs);
    return created;
  });
  if (!order) return;
  think();
  if (!flow.step('payment', () => pay(session, order))) return;
  flow.step('verify', () => paymentOfOrder(session, order.id));
  flow.step('verify', () => getOrder(session, order.id));
}

export default function (): void {
  const flow = new Flow();
  steps(flow);
  afterFlow(flow);
  flow.end();
  think();
}

export const handleSummary = summaryWriter('payment-processing-test');
