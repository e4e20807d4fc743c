/**
 * [REQ-05] `runAudited` wraps one action on a host so that exactly one audit record describes it: success,
 * failure (with the error message) or denied (the host refused our key, showed a host key that is not pinned,
 * or the operator refused to change a libvirt domain it does not own), with the time it took. The action's
 * result or error is passed through unchanged.
 */
import { OperatorError } from '../errors/operator-error.js';
import type { AuditEntryInput, AuditOutcome } from './audit-record.js';
import type { AuditSink } from './audit-log.js';

export type AuditedAction = Omit<AuditEntryInput, 'outcome' | 'error' | 'durationMs'>;

/** Milliseconds from an arbitrary origin; injected by tests. */
export type MonotonicClock = () => number;

export async function runAudited<T>(
  audit: AuditSink,
  description: AuditedAction,
  action: () => Promise<T>,
  clock: MonotonicClock = () => performance.now(),
): Promise<T> {
  const started = clock();
  let result: T;
  try {
    result = await action();
  } catch (error) {
    audit.record({ ...description, outcome: outcomeOf(error), error: messageOf(error), durationMs: elapsedMs(clock, started) });
    throw error;
  }
  audit.record({ ...description, outcome: 'success', durationMs: elapsedMs(clock, started) });
  return result;
}

/** Elapsed milliseconds, rounded to the microsecond. */
function elapsedMs(clock: MonotonicClock, started: number): number {
  return Math.round((clock() - started) * 1000) / 1000;
}

function outcomeOf(error: unknown): AuditOutcome {
  return error instanceof OperatorError && error.refusal ? 'denied' : 'failure';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
