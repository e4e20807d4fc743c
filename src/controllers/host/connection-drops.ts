/**
 * [REQ-01][REQ-06] The lost SSH connections the Host controller has been told of and not yet reported. The drop
 * source records each one before it requests the Host's reconcile; that reconcile takes it and reports the Host
 * unreachable at once with the cause (e.g. a keepalive timeout), instead of first waiting out a new connect attempt
 * to a host that no longer answers (up to ssh_config connectTimeoutMs). The next re-check connects for real.
 * A lost libvirt connection alone is not recorded: SSH still answers, so its re-check is quick and real.
 */
import { SshConnectError } from '../../errors/ssh-errors.js';

export interface ConnectionDrop {
  host: string;
  connection: 'ssh' | 'libvirt';
  error: Error;
}

export class UnreportedDrops {
  private readonly lost = new Map<string, Error>();

  record(drop: ConnectionDrop): void {
    if (drop.connection === 'ssh') this.lost.set(drop.host, drop.error);
  }

  /** The error to report for the Host's lost SSH connection, once; undefined when none is pending. */
  take(host: string): SshConnectError | undefined {
    const error = this.lost.get(host);
    if (error === undefined) return undefined;
    this.lost.delete(host);
    const cause = error.message.replace(/^ssh [^:]+: /, '');
    return new SshConnectError(host, cause.startsWith('connection lost') ? cause : `connection lost: ${cause}`, { cause: error });
  }

  forget(host: string): void {
    this.lost.delete(host);
  }
}
