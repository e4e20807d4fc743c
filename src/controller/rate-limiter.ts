/**
 * [REQ-01] Reconcile retry delay, as controller-runtime's default limiter: the larger of a per-key exponential
 * delay (base doubling per consecutive failure, capped) and the global token bucket's wait.
 */
import type { Clock } from '../time/clock.js';
import { TokenBucket } from '../time/token-bucket.js';

export interface RateLimiterOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  globalQps: number;
  globalBurst: number;
}

export class ReconcileRateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly bucket: TokenBucket;

  constructor(private readonly options: RateLimiterOptions, clock: Clock) {
    this.bucket = new TokenBucket(options.globalQps, options.globalBurst, clock);
  }

  /** Delay before `key` may be retried; counts one more failure for it. */
  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const exponential = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** failures);
    return Math.max(exponential, this.bucket.reserve());
  }

  /** Consecutive failures recorded for `key`. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Success: the next failure of `key` starts again at the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }
}
