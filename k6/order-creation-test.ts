/**
 * Order creation under load: browse, then create an order and read it back.
 * Phases (scenario label): warm-up 10 VUs 30 s, load 50 VUs 2 m, peak 100 VUs 2 m (PROFILE=smoke: seconds).
 */
import type { Options } from 'k6/options';
import { group } from 'k6';
import { config, runTags } from './lib/config.ts';
import { baseline } from './lib/baseline.ts';
import { orderPhases, phasedScenarios } from './lib/profiles.ts';
import { orderCreationThresholds, summaryTrendStats } from './lib/thresholds.ts';
import { createOrder, getOrder, listProducts } from './lib/api.ts';
import { recordTimeSaved, think } from './lib/flow.ts';
import { sessionFor, setupSessions, type SetupData } from './lib/users.ts';
import { summaryWriter } from './lib/summary.ts';

export const options: Options = {
  scenarios: phasedScenarios(orderPhases[config.profile]),
  thresholds: orderCreationThresholds(baseline !== null),
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
  think();
  group('order', () => {
    const { order, durationMs } = createOrder(session, [{ product_id: product.id, quantity: 1 }]);
    if (!order) return;
    recordTimeSaved(durationMs);
    getOrder(session, order.id);
  });
  think();
}

export const handleSummary = summaryWriter('order-creation-test');
