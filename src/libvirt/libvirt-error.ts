/**
 * [REQ-03] Errors of the libvirt wrapper. `LibvirtError` is an API error reported by libvirtd (remote_error):
 * terminal, because repeating the same call gets the same answer. `LibvirtConnectionError` means the RPC
 * connection dropped or stalled: retryable, and the client reconnects on the next call. Text that comes from the
 * host is truncated (truncateMessage): a peer must not be able to make a condition or log line megabytes long.
 */
import { ERROR_REASONS } from '../api/v1alpha1/condition.js';
import { OperatorError, type OperatorErrorOptions } from '../errors/operator-error.js';
import { truncateMessage } from '../errors/truncate-message.js';

/** virErrorNumber values that mean "the object does not exist" (include/libvirt/virterror.h). */
export const LibvirtErrorCode = {
  InternalError: 1,
  OperationFailed: 9,
  XmlError: 27,
  DomainExists: 28,
  NoDomain: 42,
  NoNetwork: 43,
  NoStoragePool: 49,
  NoStorageVol: 50,
  NoNodeDevice: 53,
  OperationInvalid: 55,
  NoInterface: 57,
  NoNwfilter: 62,
  NoSecret: 66,
  NoDomainSnapshot: 72,
  NoDomainMetadata: 80,
  StorageVolExists: 90,
} as const;

const NOT_FOUND_CODES: ReadonlySet<number> = new Set([
  LibvirtErrorCode.NoDomain,
  LibvirtErrorCode.NoNetwork,
  LibvirtErrorCode.NoStoragePool,
  LibvirtErrorCode.NoStorageVol,
  LibvirtErrorCode.NoNodeDevice,
  LibvirtErrorCode.NoInterface,
  LibvirtErrorCode.NoNwfilter,
  LibvirtErrorCode.NoSecret,
  LibvirtErrorCode.NoDomainSnapshot,
  LibvirtErrorCode.NoDomainMetadata,
]);

/** The fields of libvirt's remote_error that a caller can act on. */
export interface RemoteErrorFields {
  code: number;
  domain: number;
  message: string | null;
  level: number;
}

/** [REQ-03] An error libvirtd returned for a call or a stream, with libvirt's own message. */
export class LibvirtError extends OperatorError {
  readonly retryable = false;
  readonly reason: string;
  readonly code: number;
  /** virErrorDomain: the libvirt subsystem that raised the error (not a VM). */
  readonly errorDomain: number;
  readonly level: number;

  constructor(readonly procedure: string, fields: RemoteErrorFields, options?: OperatorErrorOptions) {
    super(truncateMessage(fields.message ?? `libvirt error code ${fields.code}`), options);
    this.code = fields.code;
    this.errorDomain = fields.domain;
    this.level = fields.level;
    this.reason = NOT_FOUND_CODES.has(fields.code) ? ERROR_REASONS.LibvirtNotFound : ERROR_REASONS.LibvirtError;
  }

  get isNotFound(): boolean {
    return NOT_FOUND_CODES.has(this.code);
  }
}

/** True when `error` is a LibvirtError saying the object does not exist. */
export function isLibvirtNotFound(error: unknown): error is LibvirtError {
  return error instanceof LibvirtError && error.isNotFound;
}

/** [REQ-03] The RPC connection is gone (transport closed, keepalive lost, framing broken). Retry reconnects. */
export class LibvirtConnectionError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.LibvirtConnectionLost;
}

/** [REQ-03] A call got no reply within its timeout. The connection stays usable. */
export class LibvirtTimeoutError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.LibvirtCallTimeout;
}

/**
 * [REQ-03] More domain events arrived before their subscription was registered than the client queues: the
 * subscription fails instead of growing without bound. Resubscribing (and relisting) recovers.
 */
export class LibvirtEventOverflowError extends OperatorError {
  readonly retryable = true;
  readonly reason = ERROR_REASONS.LibvirtEventOverflow;
}

/** [REQ-03] Bytes that do not decode as the expected XDR layout or protocol sequence; a peer speaking something else. */
export class XdrDecodeError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.LibvirtProtocolError;
}

/** [REQ-03] libvirtd asks for an authentication this client does not do (only AUTH_NONE is supported). */
export class LibvirtAuthError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.LibvirtAuthUnsupported;
}

/** [REQ-03] Refused to change a domain that virtfleet does not own (its XML lacks virtfleet metadata). */
export class DomainNotOwnedError extends OperatorError {
  readonly retryable = false;
  readonly reason = ERROR_REASONS.DomainNotOwned;
  override readonly refusal = true;
  constructor(readonly domainName: string, options?: OperatorErrorOptions) {
    super(`domain ${domainName} has no virtfleet owner metadata; refusing to change it`, options);
  }
}
