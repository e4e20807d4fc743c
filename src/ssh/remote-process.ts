/**
 * [REQ-02] A command running on a host over one SSH channel: stdin/stdout/stderr are the channel's own streams,
 * so backpressure is SSH's channel window. `exit` settles once, when the channel closes.
 */
import type { Readable, Writable } from 'node:stream';
import type { AuditResourceRef } from '../security/audit-record.js';

export interface ExitStatus {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  signal?: string;
}

export interface RemoteProcess {
  readonly stdin: Writable;
  /** Must be consumed (or resumed), or the channel never closes. */
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves with the exit status; rejects with SshTimeoutError, the abort reason, or SshConnectError. */
  readonly exit: Promise<ExitStatus>;
}

/** Which resource a command acts for, so its audit record names it. */
export interface AuditContext {
  resource?: AuditResourceRef;
}

export interface CommandOptions {
  signal?: AbortSignal;
  /** Overrides ssh_config commandTimeoutMs; 0 disables the timeout. */
  timeoutMs?: number;
  /** What the audit record says this command is for. */
  audit?: AuditContext;
  /**
   * True once the caller ended the command on purpose (e.g. closed a libvirt relay): however it exits then, the
   * audit record says success, with `endedBy: operator`.
   */
  endedOnPurpose?: () => boolean;
}

export interface ExecOptions extends CommandOptions {
  stdin?: string | Buffer;
  /** Throw CommandFailedError on a non-zero exit instead of returning it. */
  check?: boolean;
}

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}
