/** user-service: accounts and stateless HMAC-signed bearer tokens. */
import { status } from '@grpc/grpc-js';
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { RpcError, unary } from '../lib/rpc-server.ts';
import { BoundedMap, TABLE_CAP } from '../lib/store.ts';
import type { GetUserRequest, LoginRequest, LoginResponse, RegisterRequest, User, ValidateTokenRequest } from '../lib/types.ts';
import { validateCredentials } from './validation.ts';

const TOKEN_TTL_S = 3600;

interface Account {
  user: User;
  salt: string;
  passwordHash: string;
}

export function createUserService() {
  const byEmail = new BoundedMap<string, Account>(TABLE_CAP);
  const byId = new BoundedMap<string, Account>(TABLE_CAP);
  // A fresh secret per start: tokens do not survive a restart, which is fine for a demo.
  const secret = randomBytes(32);

  // Salted SHA-256 keeps the demo cheap under load; a real service would use scrypt or argon2.
  const hashPassword = (salt: string, password: string): string =>
    createHash('sha256').update(salt).update(password).digest('hex');
  const sign = (payload: string): string => createHmac('sha256', secret).update(payload).digest('base64url');

  const issueToken = (userId: string): string => {
    const payload = Buffer.from(JSON.stringify({ sub: userId, exp: Math.floor(Date.now() / 1000) + TOKEN_TTL_S })).toString('base64url');
    return `${payload}.${sign(payload)}`;
  };

  const verifyToken = (token: string): string => {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) throw new RpcError(status.UNAUTHENTICATED, 'malformed token');
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new RpcError(status.UNAUTHENTICATED, 'invalid token signature');
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null || !('sub' in claims) || !('exp' in claims)) throw new RpcError(status.UNAUTHENTICATED, 'malformed token claims');
    const { sub, exp } = claims;
    if (typeof sub !== 'string' || typeof exp !== 'number') throw new RpcError(status.UNAUTHENTICATED, 'malformed token claims');
    if (exp * 1000 < Date.now()) throw new RpcError(status.UNAUTHENTICATED, 'token expired');
    return sub;
  };

  return {
    Register: unary<RegisterRequest, User>(async ({ email, password, name }) => {
      validateCredentials(email, password);
      const key = email.toLowerCase();
      if (byEmail.has(key)) throw new RpcError(status.ALREADY_EXISTS, `user ${email} already exists`);
      const salt = randomBytes(8).toString('hex');
      const user: User = { id: `usr-${randomUUID()}`, email, name: name || email.split('@')[0] || email, created_at_ms: Date.now() };
      const account: Account = { user, salt, passwordHash: hashPassword(salt, password) };
      byEmail.set(key, account);
      byId.set(user.id, account);
      return user;
    }),
    Login: unary<LoginRequest, LoginResponse>(async ({ email, password }) => {
      const account = byEmail.get(email.toLowerCase());
      if (!account || account.passwordHash !== hashPassword(account.salt, password)) {
        throw new RpcError(status.UNAUTHENTICATED, 'invalid email or password');
      }
      return { access_token: issueToken(account.user.id), expires_in_s: TOKEN_TTL_S, user: account.user };
    }),
    ValidateToken: unary<ValidateTokenRequest, User>(async ({ token }) => {
      let userId: string;
      try {
        userId = verifyToken(token);
      } catch (err) {
        if (err instanceof RpcError) throw err;
        throw new RpcError(status.UNAUTHENTICATED, 'malformed token');
      }
      const account = byId.get(userId);
      if (!account) throw new RpcError(status.UNAUTHENTICATED, `token user ${userId} no longer exists`);
      return account.user;
    }),
    GetUser: unary<GetUserRequest, User>(async ({ id }) => {
      const account = byId.get(id);
      if (!account) throw new RpcError(status.NOT_FOUND, `user ${id} not found`);
      return account.user;
    }),
  };
}
