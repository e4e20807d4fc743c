/**
 * [REQ-01] Crash-loop backoff, pure and kept in status.startFailure so it survives operator restarts. A restart
 * after a failure happens at once the first time; each restart sets `retryAfter` for the next one (10 s doubling
 * to 5 min), and a failure before `retryAfter` waits for it (printableStatus CrashLoopBackOff). A guest still
 * running at `retryAfter` has recovered: the record is cleared.
 */
import type { StartFailure } from '../../api/v1alpha1/virtual-machine.js';
import { toKubeTime } from '../../controller/conditions.js';

export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

export function backoffDelayMs(consecutiveFailCount: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, consecutiveFailCount - 1));
}

function retryAfterMs(failure: StartFailure | undefined): number | undefined {
  return failure?.retryAfter === undefined ? undefined : Date.parse(failure.retryAfter);
}

/** Milliseconds until a restart after a failure is allowed; 0 when it is allowed now. */
export function waitBeforeRestartMs(failure: StartFailure | undefined, nowMs: number): number {
  const until = retryAfterMs(failure);
  return until === undefined ? 0 : Math.max(0, until - nowMs);
}

/** The record after restarting a failed guest now. */
export function afterRestart(failure: StartFailure | undefined, nowMs: number): StartFailure {
  const consecutiveFailCount = (failure?.consecutiveFailCount ?? 0) + 1;
  return { consecutiveFailCount, retryAfter: toKubeTime(new Date(nowMs + backoffDelayMs(consecutiveFailCount))) };
}

/** The record while the guest runs: cleared once it ran past retryAfter, else unchanged. */
export function whileRunning(failure: StartFailure | undefined, nowMs: number): StartFailure | undefined {
  const until = retryAfterMs(failure);
  return until === undefined || nowMs >= until ? undefined : failure;
}
