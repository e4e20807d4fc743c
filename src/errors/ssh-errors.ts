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

/** [REQ-05] Which negotiated list had no common entry: the server's offer and our allowlist. */
export interface AlgorithmMismatch {
  /** e.g. `client-to-server cipher`, `key exchange algorithm`, `host-key algorithm`, `server-to-client MAC`. */
  what: string;
  serverOffer: readonly string[];
  allowlist: readonly string[];
  /** The ssh_config.yaml key under `algorithms` that holds the allowlist. */
  configKey: string | undefined;
}

/**
 * [REQ-05] Client and server share no allowed cipher, key exchange, host-key or MAC algorithm. A refusal by
 * policy (ours or the server's), so it is audited as `denied`.
 */
export class SshAlgorithmError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.SshNoCommonAlgorithm;
  override readonly refusal = true;
  readonly mismatch: AlgorithmMismatch | undefined;
  constructor(readonly host: string, problem: string | AlgorithmMismatch, options?: OperatorErrorOptions) {
    super(`ssh ${host}: ${typeof problem === 'string' ? problem : describeMismatch(problem)}`, options);
    this.mismatch = typeof problem === 'string' ? undefined : problem;
  }
}

function describeMismatch({ what, serverOffer, allowlist, configKey }: AlgorithmMismatch): string {
  const offer = serverOffer.length > 0 ? serverOffer.join(', ') : '(not reported)';
  const ours = configKey === undefined ? 'we allow' : `our allowlist (ssh_config.yaml algorithms.${configKey}) is`;
  return `no common ${what}: the server offers ${offer}; ${ours} ${allowlist.join(', ')}`;
}

/** [REQ-02] A command ran past its timeout or was aborted; the remote process was signalled. */
export class SshTimeoutError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.SshCommandTimeout;
  constructor(readonly host: string, message: string, options?: OperatorErrorOptions) {
    super(`ssh ${host}: ${message}`, options);
  }
}

/**
 * [REQ-02][REQ-05] Our own key cannot be used (unreadable, wrong passphrase, unsupported type). Found before any
 * connection is made, so it says nothing about the host; terminal until the credentials change.
 */
export class SshCredentialsError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.CredentialsInvalid;
  constructor(readonly host: string, readonly detail: string, options?: OperatorErrorOptions) {
    super(`ssh ${host}: ${detail}`, options);
  }
}

/** [REQ-02] The host kept refusing to open a channel (its sshd allows fewer sessions than we asked for). */
export class SshChannelRefusedError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.SshChannelRefused;
  constructor(readonly host: string, message: string, options?: OperatorErrorOptions) {
    super(`ssh ${host}: ${message}`, options);
  }
}
