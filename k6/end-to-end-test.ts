/**
 * The full e-commerce flow: auth, browse, cart, order, payment, verify. 9 stages over about
 * 14 minutes up to 150 VUs, with a stress plateau and a spike (PROFILE=smoke: seconds, 4 VUs).
 * full_flow_duration is the flow's ACTIVE time: think time between steps is excluded.
 */
import type { Options } from 'k6/options';
import { check } from 'k6';
import { config, runTags } from './lib/config.ts';
import { baseline } from './lib/baseline.ts';
import { endToEndStages } from './lib/profiles.ts';
import { endToEndThresholds, summaryTrendStats } from './lib/thresholds.ts';
import { addToCart, createOrder, getOrder, getProduct, listProducts, login, pay, type Session } from './lib/api.ts';
import { errors, fullFlowDuration, fullFlowFailure, fullFlowSuccess } from './lib/metrics.ts';
import { recordTimeSaved, think, ActiveTimer } from './lib/flow.ts';
import { sessionFor, setupSessions, userFor, type SetupData } from './lib/users.ts';
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

export function setup(): SetupData {
  return setupSessions();
}

/** One flow; returns whether every step succeeded. */
function flow(data: SetupData, steps: ActiveTimer): boolean {
  const session: Session | null = config.skipAuth
    ? sessionFor(data, __VU)
    : steps.step('auth', () => login(userFor(__VU)));
  if (!session) return false;
  think();

  const product = steps.step('browse', () => {
    const products = listProducts(session);
    const pick = products[(__ITER + __VU) % Math.max(products.length, 1)];
    return pick ? getProduct(session, pick.id) : null;
  });
  if (!product) return false;
  think();

  const item = { product_id: product.id, quantity: 1 };
  if (!steps.step('cart', () => addToCart(session, item))) return false;
  think();

  const order = steps.step('order', () => {
    const created = createOrder(session, [item]);
    if (created.order) recordTimeSaved(created.durationMs);
    return created.order;
  });
  if (!order) return false;
  think();

  if (!steps.step('payment', () => pay(session, order.id))) return false;
  think();

  return steps.step('verify', () => {
    const paid = getOrder(session, order.id);
    const ok = check(paid, { 'order is paid at the end of the flow': (o) => o?.status === 'paid' });
    errors.add(!ok);
    return ok;
  });
}

export default function (data: SetupData): void {
  const steps = new ActiveTimer();
  const ok = flow(data, steps);
  // Both counters get a sample every flow (0 or 1), so both series exist even when one stays at 0.
  fullFlowSuccess.add(ok ? 1 : 0);
  fullFlowFailure.add(ok ? 0 : 1);
  if (ok) fullFlowDuration.add(steps.activeMs);
}

export const handleSummary = summaryWriter('end-to-end-test');
