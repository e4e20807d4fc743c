/**
 * [REQ-01][REQ-02][REQ-03] HostConnections: how every controller reaches a host. One SSH session per Host (the
 * HostSessionPool) and one LibvirtClient per Host whose RPC stream runs over that session, both keyed by the
 * Host's name. Callers name a Host; the target (address, user, parsed pinned keys, private key) is built from the
 * shared Host and ssh-auth Secret caches (watch-keys.ts), so a key never travels through callers. A changed Secret
 * or spec yields a different target, which replaces the session (and with it the libvirt client).
 *
 * API for controllers:
 *   const connection = await connections.open('hv1', ctx.signal);
 *   connection.fingerprint     // SHA256 fingerprint of the host key presented, which matched a pin
 *   connection.session         // HostSession: exec / spawn / sftp on the shared SSH connection
 *   connection.libvirt         // LibvirtClient over that session (opens its RPC stream on first call)
 *   connections.drops()        // Observable<HostDrop>: a live SSH or libvirt connection of a Host was lost
 *
 * `open` never waits out a reconnect backoff (SshBackoffError, retryable, at once) and each attempt is bounded by
 * ssh_config connectTimeoutMs, so a reconcile never holds a worker for long. `open` throws typed OperatorErrors: HostNotFoundError (retryable: not in the cache), HostCredentialsError
 * (terminal: Secret missing, without a key, or with a key that cannot be read), InvalidSpecError (terminal: `spec.hostKeys`), and the SSH errors of
 * src/errors/ssh-errors.ts (SshConnectError retryable; SshAuthError, HostKeyMismatchError, SshAlgorithmError
 * terminal). Only the Host controller calls `forget` (Host deleted); `closeAll` is for operator shutdown. Every
 * libvirt client audits its state-changing calls under the Host's name.
 */
import { Subject, type Observable } from 'rxjs';
import { HOST_DEFAULTS } from '../api/v1alpha1/host.js';
import type { LibvirtConfig, SshConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { Clock } from '../time/clock.js';
import { LibvirtClient } from '../libvirt/libvirt-client.js';
import { sshRpcTransportFactory } from '../libvirt/ssh-rpc-transport.js';
import type { OperatorMetrics } from '../observability/metrics.js';
import type { AuditSink } from '../security/audit-log.js';
import type { CloseReason, HostSession } from '../ssh/host-session.js';
import { HostSessionPool } from '../ssh/host-session-pool.js';
import { asSecretProblem } from './host-credentials.js';
import { resolveHostTarget, type TargetSources } from './host-target.js';

/** What `open` returns: a Host's live SSH session and its libvirt client. */
export interface HostConnection {
  /** The Host's name. */
  readonly host: string;
  /** `SHA256:...` of the host key the host presented, which matched one of spec.hostKeys. Never 'unknown'. */
  readonly fingerprint: string;
  readonly session: HostSession;
  readonly libvirt: LibvirtClient;
}

/**
 * A live connection of a Host was lost: its SSH connection (`ssh`; the next `open` reconnects with the session's
 * backoff), or only its libvirt RPC connection (`libvirt`: libvirtd restarted or died while SSH stayed up; the next
 * libvirt call reconnects).
 */
export interface HostDrop {
  host: string;
  connection: 'ssh' | 'libvirt';
  error: Error;
}

export interface HostConnectionsOptions extends TargetSources {
  ssh: SshConfig;
  libvirt: LibvirtConfig;
  audit: AuditSink;
  metrics?: Pick<OperatorMetrics, 'sshSessions' | 'sshChannelsInUse' | 'sshChannelLimit' | 'sshChannelRefusals' | 'sshCommands'>;
  clock?: Clock;
  /** Where the SSH sessions log (a server allowing fewer channels than maxSessionsPerHost). */
  logger?: Pick<Logger, 'warn'>;
  /** Told when an SSH audit record could not be written (logged by the operator). */
  onAuditError?: (error: unknown) => void;
}

interface HostLibvirt {
  session: HostSession;
  uri: string;
  client: LibvirtClient;
  stopWatchingDrops: () => void;
}

export class HostConnections {
  private readonly pool: HostSessionPool;
  private readonly libvirt = new Map<string, HostLibvirt>();
  private readonly dropped = new Subject<HostDrop>();

  constructor(private readonly options: HostConnectionsOptions) {
    this.pool = new HostSessionPool(options.ssh, {
      audit: options.audit,
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.onAuditError === undefined ? {} : { onAuditError: options.onAuditError }),
    });
  }

  /** Opens (or reuses) the Host's SSH session and returns it with its libvirt client and verified fingerprint. */
  async open(hostName: string, signal: AbortSignal): Promise<HostConnection> {
    const { host, target } = resolveHostTarget(this.options, hostName);
    const session = this.pool.session(target);
    const entry = this.libvirtFor(hostName, session, host.spec.libvirtURI ?? HOST_DEFAULTS.libvirtURI);
    const { hostKeyFingerprint } = await session.connect(signal, { failFast: true }).catch((error: unknown) => {
      throw asSecretProblem(hostName, host.spec.credentialsSecretRef, error);
    });
    return { host: hostName, fingerprint: hostKeyFingerprint, session, libvirt: entry.client };
  }

  /** Every lost SSH or libvirt connection of any Host, as it happens. */
  drops(): Observable<HostDrop> {
    return this.dropped.asObservable();
  }

  /**
   * Closes and forgets everything open to the host: it was deleted (`host-forgotten`), or its Secret is gone or
   * unusable (`credentials-revoked`). Resolves once the session is closed and its records written.
   */
  async forget(hostName: string, reason: CloseReason = 'host-forgotten'): Promise<void> {
    const entry = this.libvirt.get(hostName);
    this.libvirt.delete(hostName);
    entry?.stopWatchingDrops();
    await entry?.client.close();
    await this.pool.forget(hostName, reason);
  }

  /**
   * Operator shutdown: closes every libvirt connection, then every SSH session; resolves once all are closed and
   * their audit records written (so the audit log can close after it). `drops()` completes.
   */
  async closeAll(): Promise<void> {
    const entries = [...this.libvirt.values()];
    this.libvirt.clear();
    for (const entry of entries) entry.stopWatchingDrops();
    await Promise.all(entries.map((entry) => entry.client.close()));
    await this.pool.closeAll();
    this.dropped.complete();
  }

  /** The libvirt client over `session`; a new session or URI replaces the old client. */
  private libvirtFor(hostName: string, session: HostSession, uri: string): HostLibvirt {
    const existing = this.libvirt.get(hostName);
    if (existing !== undefined && existing.session === session && existing.uri === uri) return existing;
    if (existing !== undefined) {
      existing.stopWatchingDrops();
      void existing.client.close();
    }
    const client = LibvirtClient.fromConfig(sshRpcTransportFactory(session, this.options.libvirt, uri), this.options.libvirt, {
      uri,
      audit: { sink: this.options.audit, host: hostName },
      ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
    });
    const stopWatchingSsh = session.onDrop((error) => this.dropped.next({ host: hostName, connection: 'ssh', error }));
    const stopWatchingLibvirt = client.onConnectionLost((error) => this.dropped.next({ host: hostName, connection: 'libvirt', error }));
    const stopWatchingDrops = (): void => {
      stopWatchingSsh();
      stopWatchingLibvirt();
    };
    const entry: HostLibvirt = { session, uri, client, stopWatchingDrops };
    this.libvirt.set(hostName, entry);
    return entry;
  }
}
