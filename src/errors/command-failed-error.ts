import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import { OperatorError } from './operator-error.js';

const STDERR_TAIL_BYTES = 2048;

/** [REQ-02] A remote command exited non-zero (or by a signal). Carries the exit code and the tail of stderr. */
export class CommandFailedError extends OperatorError {
  readonly retryable: boolean;
  readonly reason = ERROR_REASONS.CommandFailed;
  readonly stderrTail: string;

  constructor(
    readonly host: string,
    readonly command: string,
    readonly exitCode: number | null,
    stderr: string,
    options: { signal?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    const tail = stderr.length > STDERR_TAIL_BYTES ? stderr.slice(-STDERR_TAIL_BYTES) : stderr;
    const how = exitCode === null ? `signal ${options.signal ?? 'unknown'}` : `exit code ${exitCode}`;
    super(`ssh ${host}: '${command}' failed with ${how}${tail ? `: ${tail.trim()}` : ''}`, options);
    this.stderrTail = tail;
    this.retryable = options.retryable ?? false;
  }
}
