import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import { OperatorError, type OperatorErrorOptions } from '../errors/operator-error.js';
import { truncateMessage } from '../errors/truncate-message.js';

/**
 * [REQ-03] XML read back from libvirt (domain, pool or volume description) is malformed or lacks a field the
 * operator needs. Reading the same document again cannot help, so it is terminal. The message is truncated: a
 * parser's complaint about a 1 MiB document can quote millions of characters of it.
 */
export class LibvirtXmlError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.InvalidLibvirtXml;
  constructor(readonly path: string, message: string, options?: OperatorErrorOptions) {
    super(truncateMessage(`libvirt XML ${path}: ${message}`), options);
  }
}
