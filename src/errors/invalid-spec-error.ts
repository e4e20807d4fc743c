import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import { OperatorError, type OperatorErrorOptions } from './operator-error.js';

/** [REQ-01] A resource's spec cannot be acted on as written. `field` is the JSON path, e.g. `spec.disks[0].size`. */
export class InvalidSpecError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.InvalidSpec;
  constructor(readonly field: string, message: string, options?: OperatorErrorOptions) {
    super(`${field}: ${message}`, options);
  }
}
