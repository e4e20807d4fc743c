import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import type { NamespacedObjectReference } from '../api/v1alpha1/meta.js';
import { OperatorError, type OperatorErrorOptions } from './operator-error.js';

/** [REQ-01] No Host of that name is in the cache (not created yet, deleted, or the cache has not synced). */
export class HostNotFoundError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.HostNotFound;
  constructor(readonly host: string, options?: OperatorErrorOptions) {
    super(`Host ${host} not found`, options);
  }
}

export type CredentialsReason = typeof ERROR_REASONS.CredentialsNotFound | typeof ERROR_REASONS.CredentialsInvalid;

/**
 * [REQ-05] A Host's credentials Secret is missing, outside the credentials namespaces, or has no usable key.
 * Terminal: retrying with the same Secret cannot help; a change of the Secret (mapped watch) re-checks at once.
 */
export class HostCredentialsError extends OperatorError {
  readonly retryable = false;

  constructor(
    readonly host: string,
    readonly reason: CredentialsReason,
    readonly secretRef: NamespacedObjectReference,
    message: string,
    options?: OperatorErrorOptions,
  ) {
    super(message, options);
  }
}
