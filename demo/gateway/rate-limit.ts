/**
 * The real gateway's per-IP rate limit (shared/pkg/middleware: a golang.org/x/time/rate token
 * bucket per client IP, RATE_LIMIT_RPS default 50, SECURITY_RATE_LIMIT_BURST default 100). It
 * guards every route, health and pool health included, and answers 429 {"error":"Rate limit exceeded"}.
 */
import type { RequestHandler } from 'express';

export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly limit: RateLimit) {
    this.tokens = limit.burst;
  }

  allow(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.requestsPerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export function rateLimitPerIp(limit: RateLimit): RequestHandler {
  const buckets = new Map<string, TokenBucket>();
  return (req, res, next) => {
    const ip = req.socket.remoteAddress ?? '';
    let bucket = buckets.get(ip);
    if (!bucket) {
      bucket = new TokenBucket(limit);
      buckets.set(ip, bucket);
    }
    if (bucket.allow()) next();
    else res.status(429).json({ error: 'Rate limit exceeded' });
  };
}
