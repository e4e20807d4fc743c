/**
 * [REQ-05] The audit log cannot be continued or written: an existing file ends with an incomplete or damaged
 * record, or the sink refused a write. Terminal: auditing is always on, so the operator must not act on hosts
 * without it, and a damaged log needs a person (`virtfleet audit verify FILE`).
 */
import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import { OperatorError, type OperatorErrorOptions } from '../errors/operator-error.js';

export class AuditLogError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.AuditLogUnavailable;
  constructor(readonly path: string, message: string, options?: OperatorErrorOptions) {
    super(`audit log ${path}: ${message}`, options);
  }
}
