/**
 * [REQ-01] Base of every error the operator raises. `retryable` tells the workqueue whether to requeue with
 * backoff (true) or to record a terminal condition and stop (false); `reason` is a PascalCase constant reused as
 * the condition and Event reason.
 */
export interface OperatorErrorOptions {
  cause?: unknown;
}

export abstract class OperatorError extends Error {
  abstract readonly retryable: boolean;
  abstract readonly reason: string;
  /** True when a policy or the peer refused the action (audited as `denied` rather than `failure`). */
  readonly refusal: boolean = false;

  constructor(message: string, options: OperatorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** True when the error (or anything that wraps it) asks to be retried; unknown errors are retryable. */
export function isRetryable(error: unknown): boolean {
  return error instanceof OperatorError ? error.retryable : true;
}
