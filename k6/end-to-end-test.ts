/**
 * The full e-commerce flow: auth, browse, cart, order, payment, verify (the payment reads back
 * COMPLETED, then the order reads back). 9 stages over about 14 minutes up to 150 VUs, with a
 * stress plateau and a spike (PROFILE=smoke: seconds, 4 VUs). full_flow_duration is the ACTIVE
 * time of a successful flow: think time and login (its own target) are excluded. A failing step
 * ends the flow; the summary names it with its status.
 */
import type { Options } from 'k6/options';
import exec from 'k6/execution';
import { config, runTags } from './lib/config.ts';
import { baseline } from './lib/baseline.ts';
import { endToEndStages } from './lib/profiles.ts';
import { endToEndThresholds, summaryTrendStats } from './lib/thresholds.ts';
import { addToCart, createOrder, getOrder, getProduct, listProducts, pay, paymentOfOrder } from './lib/api.ts';
import { fullFlowDuration, fullFlowFailure, fullFlowSuccess } from './lib/metrics.ts';
import { Flow, recordTimeSaved, think } from './lib/flow.ts';
import { afterFlow, sessionFor } from './lib/users.ts';
import { summaryWriter } from './lib/summary.ts';

export const options: Options = {
  scenarios: {
    full_flow: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: endToEndStages[config.profile],
      gracefulRampDown: '10s',
      gracefulStop: '10s',
    },
  },
  thresholds: endToEndThresholds(baseline !== null, config.profile),
  summaryTrendStats,
  tags: runTags,
};

function steps(flow: Flow): void {
  const session = sessionFor(flow, exec.vu.idInTest, !config.skipAuth);
  if (!session) return;
  think();
  const products = flow.step('browse', () => listProducts());
  const pick = products?.[(__ITER + __VU) % products.length];
  const product = pick ? flow.step('browse', () => getProduct(pick.id)) : null;
  if (!product) return;
  think();
  if (!flow.step('cart', () => addToCart(session, product.id))) return;
  think();
  const order = flow.step('order', () => {
    const created = createOrder(session);
    if (created.ok) recordTimeSaved(created.durationMs);
    return created;
  });
  if (!order) return;
  think();
  if (!flow.step('payment', () => pay(session, order))) return;
  think();
  flow.step('verify', () => paymentOfOrder(session, order.id));
  flow.step('verify', () => getOrder(session, order.id));
}

export default function (): void {
  const flow = new Flow();
  steps(flow);
  // Both counters get a sample every flow (0 or 1), so both series exist even when one stays at 0.
  fullFlowSuccess.add(flow.ok ? 1 : 0);
  fullFlowFailure.add(flow.ok ? 0 : 1);
  if (flow.ok) fullFlowDuration.add(flow.activeMs);
  afterFlow(flow);
  flow.end();
}

export const handleSummary = summaryWriter('end-to-end-test');
