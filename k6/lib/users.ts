/**
 * Test users: one account per VU (`k6-user-<VU>@loadtest.example`), so no two VUs share a cart
 * (the real gateway orders the user's whole cart). The scripts pass k6's `exec.vu.idInTest`, not
 * `__VU`: in a run split across k6 instances (`--instances N`) every instance has a VU 1. A VU registers its account on its first flow
 * (201 also when it exists already), logs in, and keeps the token until a step answers 401.
 */
import { login, register, type Session, type TestUser } from './api.ts';
import type { Flow } from './flow.ts';

export function userFor(vu: number): TestUser {
  const n = Math.max(vu, 1);
  return { email: `k6-user-${n}@loadtest.example`, password: 'k6-load-test-password', name: `k6 user ${n}` };
}

let registered = false;
let session: Session | null = null;

/**
 * This VU's session, logging in when it has none or when `fresh` (the end-to-end flow logs in
 * every time). Register and login are steps of the flow (group `auth`) but not of its active time.
 */
export function sessionFor(flow: Flow, vu: number, fresh = false): Session | null {
  if (session && !fresh) return session;
  const user = userFor(vu);
  if (!registered) registered = flow.untimedStep('auth', () => register(user)) !== null;
  if (!registered) return null;
  session = flow.untimedStep('auth', () => login(user));
  return session;
}

/** After a flow: a 401 means the token is no longer good; the next flow logs in again. */
export function afterFlow(flow: Flow): void {
  if (flow.failed?.status === 401) session = null;
}
