/**
 * Test users: setup() registers them (idempotently: 409 means the account is already there) and
 * logs each in once, so VUs start with a token.
 */
import { login, register, type Session, type TestUser } from './api.ts';
import { config } from './config.ts';

export const TEST_USER_COUNT = 10;

export function testUsers(count = TEST_USER_COUNT): TestUser[] {
  return Array.from({ length: count }, (_, i) => ({
    email: `k6-user-${i + 1}@loadtest.example`,
    password: 'k6-load-test-password',
    name: `k6 user ${i + 1}`,
  }));
}

export interface SetupData {
  sessions: Session[];
}

export function setupSessions(): SetupData {
  const sessions: Session[] = [];
  for (const user of testUsers()) {
    if (!register(user)) {
      throw new Error(`setup: could not register ${user.email} at ${config.baseUrl}${config.apiPrefix}/auth/register`);
    }
    const session = login(user);
    if (!session) throw new Error(`setup: ${user.email} could not log in at ${config.baseUrl}${config.apiPrefix}/auth/login`);
    sessions.push(session);
  }
  return { sessions };
}

/** The user this VU plays: VUs share the accounts round-robin. */
export function userFor(vu: number): TestUser {
  const users = testUsers();
  const user = users[(Math.max(vu, 1) - 1) % users.length];
  if (!user) throw new Error('userFor: there are no test users');
  return user;
}

export function sessionFor(data: SetupData, vu: number): Session {
  const session = data.sessions[(Math.max(vu, 1) - 1) % data.sessions.length];
  if (!session) throw new Error('sessionFor: setup() returned no sessions');
  return session;
}
