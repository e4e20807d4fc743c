import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import { OperatorError, type OperatorErrorOptions } from './operator-error.js';

export interface ConfigProblem {
  file: string;
  /** 1-based line, when known. */
  line?: number;
  column?: number;
  /** Key path such as `ssh.keepalive.intervalMs`, or '' for the whole document. */
  path: string;
  message: string;
}

/** [REQ-01] Configuration cannot be loaded; raised at start-up, never retried. */
export class ConfigError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.InvalidConfiguration;
  constructor(readonly problems: ConfigProblem[], options?: OperatorErrorOptions) {
    super(problems.map(formatProblem).join('\n'), options);
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
  return `${where}: ${p.path === '' ? '(document)' : p.path}: ${p.message}`;
}
