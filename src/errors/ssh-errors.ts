import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import { OperatorError, type OperatorErrorOptions } from './operator-error.js';

/** [REQ-02] The TCP connection or SSH handshake failed, or the connection dropped: try again later. */
export class SshConnectError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.SshConnectFailed;
  constructor(readonly host: string, message: string, options?: OperatorErrorOptions) {
    super(`ssh ${host}: ${message}`, options);
  }
}

/**
 * [REQ-02] The session is waiting out its reconnect backoff after a failed attempt: no attempt is made now. Carries
 * the last attempt's message (so a status written from it does not change) and when the next attempt is allowed.
 */
export class SshBackoffError extends SshConnectError {
  constructor(host: string, readonly retryAfterMs: number, lastError: Error) {
    super(host, lastError.message.replace(/^ssh [^:]+: /, ''), { cause: lastError });
  }
}

/** [REQ-02] The host refused our key. Retrying with the same key cannot help. */
export class SshAuthError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.SshAuthenticationFailed;
  override readonly refusal = true;
  constructor(readonly host: string, message: string, options?: OperatorErrorOptions) {
    super(`ssh ${host}: ${message}`, options);
  }
}

/** [REQ-05] The host presented a key that is not pinned. Never auto-accepted; terminal and audited. */
export class HostKeyMismatchError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.HostKeyMismatch;
  override readonly refusal = true;
  constructor(readonly host: string, readonly presentedFingerprint: string, options?: OperatorErrorOptions) {
    super(`ssh ${host}: host key ${presentedFingerprint} is not among the pinned host keys`, options);
  }
}

/** [REQ-05] Client and server share no allowed cipher, key exchange or host-key algorithm. */
export class SshAlgorithmError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.SshNoCommonAlgorithm;
  constructor(readonly host: string, message: string, options?: OperatorErrorOptions) {
    super(`ssh ${host}: ${message}`, options);
  }
}

/** [REQ-02] A command ran past its timeout or was aborted; the remote process was signalled. */
export class SshTimeoutError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.SshCommandTimeout;
  constructor(readonly host: string, message: string, options?: OperatorErrorOptions) {
    super(`ssh ${host}: ${message}`, options);
  }
}
