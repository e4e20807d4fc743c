/**
 * [REQ-06] Delay before the next connection attempt after `failures` consecutive failed attempts: exponential
 * from baseDelayMs, capped at maxDelayMs, with "equal jitter" (half fixed, half random) so a fleet of sessions
 * that lost a host at the same moment does not reconnect in lockstep.
 */
import type { BackoffConfig } from '../config/types.js';

export function reconnectDelay(failures: number, backoff: BackoffConfig, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const exponential = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
