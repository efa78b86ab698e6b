/**
 * The custom k6 metrics of this suite. Names come from contract/metrics.ts, so dashboards and
 * rules select exactly what the scripts emit. Time trends are declared `isTime`, which makes k6's
 * remote-write output send them as `k6_<name>_seconds` native histograms.
 */
import { Counter, Rate, Trend } from 'k6/metrics';
import { k6Custom } from '../../contract/metrics.ts';

/** Active time of one successful full flow, think time and login excluded (end-to-end test). */
export const fullFlowDuration = new Trend(k6Custom.fullFlowDuration, true);
/*
 * Latency trends hold SUCCESSFUL calls only: a failed call goes to `errors` and `failedRequests`
 * (tagged step and status), so a dead backend answering fast cannot look fast.
 */
/** Gateway requests other than login, order creation and payment: browse, cart, verify, read-back. */
export const apiGatewayLatency = new Trend(k6Custom.apiGatewayLatency, true);
/** POST /auth/login: its own target (password hashing), out of the gateway's. */
export const loginDuration = new Trend(k6Custom.loginDuration, true);
/** One sample per failed step call, tagged `step` (e.g. `GET /orders/:id`) and `status` (0: no answer). */
export const failedRequests = new Counter(k6Custom.failedRequests);
/** POST /orders: gateway -> order service (inventory, notification behind it). */
export const orderServiceLatency = new Trend(k6Custom.orderServiceLatency, true);
/** POST /payments: gateway -> payment service (order service behind it). */
export const paymentServiceLatency = new Trend(k6Custom.paymentServiceLatency, true);
/** Share of failed step calls. */
export const errors = new Rate(k6Custom.errors);
export const fullFlowSuccess = new Counter(k6Custom.fullFlowSuccess);
export const fullFlowFailure = new Counter(k6Custom.fullFlowFailure);
/**
 * Per order: the baseline run's measured order p95 minus this order's duration, in ms. A plain
 * (not isTime) trend, because the value is a difference that can be negative and its unit is in
 * its name; only emitted when BASELINE_SUMMARY names a measured baseline.
 */
export const poolTimeSaved = new Trend(k6Custom.poolTimeSaved);
