/**
 * [REQ-01][REQ-06] A token bucket on the injected Clock (client-go's BucketRateLimiter, golang.org/x/time/rate
 * semantics), used as the reconcile rate limiter's global bucket: `burst` tokens, refilled at `qps` per second; a reservation may overdraw the bucket and then waits
 * until its token has been refilled.
 */
import type { Clock } from './clock.js';

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(private readonly qps: number, private readonly burst: number, private readonly clock: Clock) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs qps > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  /** Takes one token and returns how long (ms) the caller must wait before using it. */
  reserve(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.qps);
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}
