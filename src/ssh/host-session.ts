/**
 * [REQ-02] The operator's session with one host: a single SSH connection shared by every caller, a cap on
 * concurrent channels that adapts to what the server accepts (callers beyond it queue, refused channels are
 * retried: channel-opener.ts), reconnect with exponential backoff and jitter, command timeouts and AbortSignal
 * that end the remote process, and an audit record for every connection, command and disconnect. An unusable
 * private key is audited as `ssh.credentials` (no connection attempted), not as a failed `ssh.connect`.
 * `close()` resolves once the connection is gone and the record of every command it cut off has been written, so
 * a caller can close the audit log afterwards (shutdown order, src/main.ts); a close on purpose is audited as
 * `ssh.disconnect` with outcome success, a lost connection as `ssh.disconnect` with outcome failure.
 */
import type { SFTPWrapper } from 'ssh2';
import type { SshConfig } from '../config/types.js';
import { CommandFailedError } from '../errors/command-failed-error.js';
import { OperatorError } from '../errors/operator-error.js';
import { SshBackoffError, SshConnectError, SshCredentialsError, SshTimeoutError } from '../errors/ssh-errors.js';
import type { OperatorMetrics } from '../observability/metrics.js';
import type { AuditSink } from '../security/audit-log.js';
import { sleep, systemClock, type Clock } from '../time/clock.js';
import { ChannelOpener, type ChannelOpenerDeps } from './channel-opener.js';
import { reconnectDelay } from './reconnect-delay.js';
import { runOnChannel } from './run-on-channel.js';
import type { AuditContext, CommandOptions, ExecOptions, ExecResult, RemoteProcess } from './remote-process.js';
import { argvToCommand } from './shell-quote.js';
import { SshConnection } from './ssh-connection.js';
import type { SshTarget } from './ssh-target.js';

/** What a live connection negotiated, and the host key it verified. */
export type ConnectionInfo = Pick<SshConnection, 'negotiated' | 'hostKeyFingerprint'>;

export interface HostSessionDeps extends Pick<ChannelOpenerDeps, 'logger'> {
  audit: AuditSink;
  metrics?: Pick<OperatorMetrics, 'sshSessions' | 'sshChannelsInUse' | 'sshChannelLimit' | 'sshChannelRefusals' | 'sshCommands'>;
  random?: () => number;
  /** Reconnect backoff, command timeouts and durations run on this clock (the system clock by default). */
  clock?: Clock;
  /** Told when an audit record could not be written (e.g. the log is closed); the default emits a process warning. */
  onAuditError?: (error: unknown) => void;
}

/** Reconnect backoff cap for a session that was connected before: a host that was Ready is retried within this. */
export const RECOVERY_MAX_DELAY_MS = 2000;

/** How long `close()` lets running commands finish before it ends the connection under them. */
const CLOSE_GRACE_MS = 2000;

/** Why the operator closes a session on purpose; named in the `ssh.disconnect` record. */
export type CloseReason = 'shutdown' | 'target-changed' | 'host-forgotten' | 'credentials-revoked';

export class HostSession {
  private readonly channelOpener: ChannelOpener;
  private current: SshConnection | undefined;
  private connecting: Promise<SshConnection> | undefined;
  private failures = 0;
  private nextAttemptAt = 0;
  private connects = 0;
  private readonly lifetime = new AbortController();
  private readonly dropListeners = new Set<(error: Error) => void>();
  private readonly clock: Clock;
  /** Audit records still to be written for commands that are running. */
  private readonly inflight = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private lastFailure: Error | undefined;

  constructor(
    readonly target: SshTarget,
    private readonly config: SshConfig,
    private readonly deps: HostSessionDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.channelOpener = new ChannelOpener(target.host, config.maxSessionsPerHost, { ...deps, clock: this.clock });
  }

  /** Connections opened so far (one per reconnect). */
  get connectionCount(): number {
    return this.connects;
  }

  /** Channels in use, callers waiting, the most ever in use, and the current (adaptive) cap. */
  get channels(): { active: number; waiting: number; peak: number; limit: number } {
    return this.channelOpener.stats;
  }

  /** Negotiated algorithms and host key of the live connection, if any. */
  get connectionInfo(): ConnectionInfo | undefined {
    return this.current && !this.current.closed ? this.current : undefined;
  }

  /**
   * Connects now (or reuses the connection): a cheap reachability and authentication check. Resolves with the
   * negotiated algorithms and the fingerprint of the host key that was presented and matched a pin. With
   * `failFast`, a session waiting out its reconnect backoff throws SshBackoffError at once instead of waiting
   * (a reconcile never holds a worker through a backoff; each attempt is bounded by connectTimeoutMs).
   */
  async connect(signal?: AbortSignal, options: { failFast?: boolean } = {}): Promise<ConnectionInfo> {
    const wait = this.nextAttemptAt - this.clock.now();
    if (options.failFast && wait > 0 && this.connecting === undefined && this.lastFailure !== undefined && (this.current === undefined || this.current.closed)) {
      throw new SshBackoffError(this.target.host, wait, this.lastFailure);
    }
    const connection = await this.connection(signal);
    return { negotiated: connection.negotiated, hostKeyFingerprint: connection.hostKeyFingerprint };
  }

  /**
   * Calls `listener` each time a live connection is lost (network failure, sshd gone, keepalive timeout), not
   * when this session closes it on purpose. Returns the function removing the listener.
   */
  onDrop(listener: (error: Error) => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  /** Runs argv and collects its output. Non-zero exits are returned, or thrown with `check: true`. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const process = await this.spawn(argv, options);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    process.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    process.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    process.stdin.end(options.stdin);
    const status = await process.exit;
    const result: ExecResult = {
      code: status.code,
      ...(status.signal === undefined ? {} : { signal: status.signal }),
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    };
    if (options.check && status.code !== 0) {
      throw new CommandFailedError(this.target.host, argv.join(' '), status.code, result.stderr, status.signal === undefined ? {} : { signal: status.signal });
    }
    return result;
  }

  /** Starts argv with streaming stdin/stdout/stderr. The channel slot is held until the process exits. */
  async spawn(argv: readonly string[], options: CommandOptions = {}): Promise<RemoteProcess> {
    const command = argvToCommand(argv);
    const started = this.clock.now();
    let channelOpened = false;
    try {
      const { value: { connection, channel }, release } = await this.channelOpener.open(async () => {
        const connection = await this.connection(options.signal);
        return { connection, channel: await connection.openExecChannel(command) };
      }, options.signal);
      channelOpened = true;
      const timeoutMs = options.timeoutMs ?? this.config.commandTimeoutMs;
      const process = runOnChannel(channel, connection, {
        host: this.target.host,
        timeoutMs,
        clock: this.clock,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const audited = process.exit.then(
        (status) => {
          if (options.endedOnPurpose?.()) return this.auditEndedOnPurpose(argv, started, options);
          const ok = status.code === 0;
          this.deps.metrics?.sshCommands.inc({ host: this.target.host, outcome: ok ? 'success' : 'failure' });
          this.audit('ssh.exec', argv, started, options.audit, ok ? 'success' : 'failure', ok ? undefined : `exit ${status.code ?? status.signal}`);
        },
        (error: Error) => {
          if (options.endedOnPurpose?.()) return this.auditEndedOnPurpose(argv, started, options);
          this.deps.metrics?.sshCommands.inc({ host: this.target.host, outcome: error instanceof SshTimeoutError ? 'timeout' : 'failure' });
          this.audit('ssh.exec', argv, started, options.audit, 'failure', error.message);
        },
      ).finally(release);
      this.inflight.add(audited);
      void audited.finally(() => this.inflight.delete(audited));
      return process;
    } catch (error) {
      if (!channelOpened) {
        this.deps.metrics?.sshCommands.inc({ host: this.target.host, outcome: 'failure' });
        this.audit('ssh.exec', argv, started, options.audit, 'failure', (error as Error).message);
      }
      throw error;
    }
  }

  private auditEndedOnPurpose(argv: readonly string[], started: number, options: CommandOptions): void {
    this.deps.metrics?.sshCommands.inc({ host: this.target.host, outcome: 'success' });
    this.audit('ssh.exec', argv, started, options.audit, 'success', undefined, { endedBy: 'operator' });
  }

  /** An SFTP session on the shared connection (it takes one channel slot until `end()`). */
  async sftp(signal?: AbortSignal): Promise<SFTPWrapper> {
    const { value: sftp, release } = await this.channelOpener.open(async () => (await this.connection(signal)).openSftp(), signal);
    sftp.once('close', release);
    return sftp;
  }

  /**
   * Closes the session on purpose: no reconnect, the connection ends, and the returned promise resolves once it is
   * gone and every record of the commands it ended (and of a connect attempt in flight) has been written.
   */
  close(reason: CloseReason = 'shutdown'): Promise<void> {
    this.closing ??= this.closeNow(reason);
    return this.closing;
  }

  private async closeNow(reason: CloseReason): Promise<void> {
    this.lifetime.abort(new SshConnectError(this.target.host, `session closed (${reason})`));
    this.dropListeners.clear();
    const current = this.current;
    this.current = undefined;
    const started = this.clock.now();
    if (current !== undefined) {
      // commands told to end (a libvirt relay whose stdin closed) get a moment to exit by themselves
      const graceOver = new AbortController();
      await Promise.race([Promise.allSettled([...this.inflight]), sleep(this.clock, CLOSE_GRACE_MS, graceOver.signal).catch(() => undefined)]);
      graceOver.abort();
      const gone = new Promise<void>((resolve) => current.onClose(() => resolve()));
      current.close();
      await gone;
      this.deps.metrics?.sshSessions.set({ host: this.target.host }, 0);
    }
    await this.connecting?.catch(() => undefined);
    await Promise.allSettled([...this.inflight]);
    if (current !== undefined) this.audit('ssh.disconnect', [this.endpoint], started, undefined, 'success', undefined, { reason });
  }

  private get endpoint(): string {
    return `${this.target.user}@${this.target.address}:${this.target.port}`;
  }

  private async connection(signal?: AbortSignal): Promise<SshConnection> {
    if (this.current && !this.current.closed) return this.current;
    this.connecting ??= this.openWithBackoff().finally(() => {
      this.connecting = undefined;
    });
    return raceAbort(this.connecting, signal);
  }

  private async openWithBackoff(): Promise<SshConnection> {
    const wait = this.nextAttemptAt - this.clock.now();
    if (wait > 0) await sleep(this.clock, wait, this.lifetime.signal);
    const started = this.clock.now();
    try {
      const connection = await SshConnection.open(this.target, this.config, this.lifetime.signal);
      if (this.lifetime.signal.aborted) {
        connection.close();
        throw this.lifetime.signal.reason;
      }
      this.failures = 0;
      this.nextAttemptAt = 0;
      this.lastFailure = undefined;
      this.connects += 1;
      this.current = connection;
      this.deps.metrics?.sshSessions.set({ host: this.target.host }, 1);
      connection.onClose((error) => {
        if (this.current !== connection) return;
        this.current = undefined;
        this.deps.metrics?.sshSessions.set({ host: this.target.host }, 0);
        const lost = error ?? new SshConnectError(this.target.host, 'connection closed');
        this.audit('ssh.disconnect', [this.endpoint], this.clock.now(), undefined, 'failure', lost.message);
        for (const listener of [...this.dropListeners]) listener(lost);
      });
      this.audit('ssh.connect', [this.endpoint], started, undefined, 'success', undefined, {
        hostKey: connection.hostKeyFingerprint,
        cipher: connection.negotiated.cipher,
      });
      return connection;
    } catch (error) {
      if (error instanceof SshCredentialsError) {
        // Our key is unusable: the host was never contacted, so this is no connection attempt and no backoff.
        this.audit('ssh.credentials', [this.endpoint], started, undefined, 'failure', error.message, { connection: 'not attempted' });
        throw error;
      }
      this.failures += 1;
      this.lastFailure = error as Error;
      // a host that was connected before (was Ready) is retried within RECOVERY_MAX_DELAY_MS, so recovery shows fast
      const backoff = this.connects > 0 ? { ...this.config.reconnect, maxDelayMs: Math.min(this.config.reconnect.maxDelayMs, RECOVERY_MAX_DELAY_MS) } : this.config.reconnect;
      this.nextAttemptAt = this.clock.now() + reconnectDelay(this.failures, backoff, this.deps.random);
      const denied = error instanceof OperatorError && error.refusal;
      this.audit('ssh.connect', [this.endpoint], started, undefined, denied ? 'denied' : 'failure', (error as Error).message);
      throw error;
    }
  }

  private audit(
    action: string,
    args: readonly string[],
    started: number,
    context: AuditContext | undefined,
    outcome: 'success' | 'failure' | 'denied',
    error?: string,
    extra?: Record<string, string>,
  ): void {
    try {
      this.deps.audit.record({
        ...context,
        host: this.target.host,
        action,
        arguments: extra ? { argv: [...args], ...extra } : { argv: [...args] },
        outcome,
        ...(error === undefined ? {} : { error }),
        durationMs: this.clock.now() - started,
      });
    } catch (failure) {
      // never thrown from a channel or socket callback, where it would crash the process: reported instead
      (this.deps.onAuditError ?? ((lost: unknown) => globalThis.process.emitWarning(lost as Error)))(failure);
    }
  }
}

async function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
