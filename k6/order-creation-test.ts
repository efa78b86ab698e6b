/**
 * Order creation under load: browse, put a product in the cart, order the cart, read the order
 * back. Phases (scenario label): warm-up 10 VUs 30 s, load 50 VUs 2 m, peak 100 VUs 2 m
 * (PROFILE=smoke: seconds). A failing step ends the flow and is named in the summary.
 */
import type { Options } from 'k6/options';
import exec from 'k6/execution';
import { config, runTags } from './lib/config.ts';
import { baseline } from './lib/baseline.ts';
import { orderPhases, phasedScenarios } from './lib/profiles.ts';
import { orderCreationThresholds, summaryTrendStats } from './lib/thresholds.ts';
import { addToCart, createOrder, getOrder, listProducts } from './lib/api.ts';
import { Flow, recordTimeSaved, think } from './lib/flow.ts';
import { afterFlow, sessionFor } from './lib/users.ts';
import { summaryWriter } from './lib/summary.ts';

export const options: Options = {
  scenarios: phasedScenarios(orderPhases[config.profile]),
  thresholds: orderCreationThresholds(baseline !== null),
  summaryTrendStats,
  tags: runTags,
};

function steps(flow: Flow): void {
  const session = sessionFor(flow, exec.vu.idInTest);
  if (!session) return;
  const products = flow.step('browse', () => listProducts());
  const product = products?.[(__ITER + __VU) % products.length];
  if (!product) return;
  think();
  if (!flow.step('cart', () => addToCart(session, product.id))) return;
  const order = flow.step('order', () => {
    const created = createOrder(session);
    if (created.ok) recordTimeSaved(created.durationMs);
    return created;
  });
  if (!order) return;
  think();
  flow.step('verify', () => getOrder(session, order.id));
}

export default function (): void {
  const flow = new Flow();
  steps(flow);
  afterFlow(flow);
  flow.end();
  think();
}

export const handleSummary = summaryWriter('order-creation-test');
