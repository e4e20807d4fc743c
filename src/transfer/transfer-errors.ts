/**
 * [REQ-04] Why a transfer (or one destination of it) failed. Terminal errors stop that destination for good
 * (source missing or forbidden, wrong digest, no room, scheme refused); retryable ones are retried with backoff and
 * resume from the manifest on the host.
 */
import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import { OperatorError, type OperatorErrorOptions } from '../errors/operator-error.js';

/** The source answered 404 (or the file does not exist on the source host). */
export class SourceNotFoundError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.SourceNotFound;
  constructor(readonly source: string, detail: string, options?: OperatorErrorOptions) {
    super(`source ${source} not found: ${detail}`, options);
  }
}

/** The source answered 401 or 403. */
export class SourceForbiddenError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.SourceForbidden;
  override readonly refusal = true;
  constructor(readonly source: string, detail: string, options?: OperatorErrorOptions) {
    super(`source ${source} refused access: ${detail}`, options);
  }
}

/** The source could not be read right now (connection refused or dropped, 5xx): retried, then resumed. */
export class SourceUnavailableError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.SourceUnavailable;
  constructor(readonly source: string, detail: string, options?: OperatorErrorOptions) {
    super(`source ${source} unavailable: ${detail}`, options);
  }
}

/** The URL's scheme is not in transfer_config allowedUrlSchemes. */
export class SchemeNotAllowedError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.SchemeNotAllowed;
  override readonly refusal = true;
  constructor(readonly scheme: string, readonly allowed: readonly string[]) {
    super(`URL scheme "${scheme}" is not allowed; transfer_config allowedUrlSchemes is [${allowed.join(', ')}]`);
  }
}

/** The file on the destination does not have the digest the plan names. The `.part` was removed. */
export class DigestMismatchError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.DigestMismatch;
  constructor(readonly host: string, readonly expected: string, readonly actual: string) {
    super(`${host}: digest mismatch: expected sha256:${expected}, got sha256:${actual}`);
  }
}

/** The destination's file system has less free space than the image needs. */
export class InsufficientStorageError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.InsufficientStorage;
  constructor(readonly host: string, readonly directory: string, readonly freeBytes: number, readonly neededBytes: number) {
    super(`${host}: ${directory} has ${freeBytes} bytes free, the image needs ${neededBytes}`);
  }
}

/** A destination made no progress for the inactivity timeout: dropped from this attempt, retried later. */
export class TransferStalledError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.Stalled;
  constructor(readonly host: string, readonly idleMs: number) {
    super(`${host}: no progress for ${idleMs} ms`);
  }
}

/**
 * The source's size, layout or format does not fit the plan (e.g. no Content-Length, size changed between attempts,
 * an image that cannot be converted to the plan's format).
 */
export class SourceChangedError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.SourceChanged;
  constructor(readonly source: string, detail: string) {
    super(`source ${source}: ${detail}`);
  }
}

/** The job was cancelled (its ImageTransfer was deleted): nothing more is written, staged files are removed. */
export class TransferCancelledError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.Cancelled;
  constructor() {
    super('the transfer was cancelled');
  }
}
