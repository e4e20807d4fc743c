/**
 * [REQ-02] Turns an open exec channel into a RemoteProcess and enforces its deadline: on timeout or abort the
 * remote process gets SIGTERM, then SIGKILL after a grace period, and the channel is closed, so nothing keeps
 * running on the host after the caller gave up.
 */
import type { ClientChannel } from 'ssh2';
import { SshConnectError, SshTimeoutError } from '../errors/ssh-errors.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { ExitStatus, RemoteProcess } from './remote-process.js';
import type { SshConnection } from './ssh-connection.js';

const KILL_GRACE_MS = 2000;

interface ChannelInternals {
  outgoing: { id: number; state: string };
  _client: { _protocol: { signal(channelId: number, name: string): void } };
}

/**
 * Sends an SSH "signal" request (sshd delivers it with killpg to the command's process group). ssh2's public
 * `channel.signal()` silently does nothing once stdin was ended, which is exactly when a command that reads no
 * input is running, so the request goes to ssh2's protocol object directly while the channel is open.
 */
function sendSignal(channel: ClientChannel, name: 'TERM' | 'KILL'): void {
  const internals = channel as unknown as ChannelInternals;
  const { state, id } = internals.outgoing;
  if (state === 'open' || state === 'eof') internals._client._protocol.signal(id, name);
}

export interface ChannelRunOptions {
  host: string;
  timeoutMs: number;
  /** The deadline and the kill grace period run on this clock. */
  clock: Clock;
  signal?: AbortSignal;
}

export function runOnChannel(channel: ClientChannel, connection: SshConnection, options: ChannelRunOptions): RemoteProcess {
  let status: ExitStatus | undefined;
  let failure: Error | undefined;
  const timers: TimerHandle[] = [];

  const terminate = (reason: Error): void => {
    if (failure || status) return;
    failure = reason;
    sendSignal(channel, 'TERM');
    timers.push(options.clock.setTimeout(() => {
      sendSignal(channel, 'KILL');
      channel.close();
    }, KILL_GRACE_MS));
  };

  if (options.timeoutMs > 0) {
    timers.push(options.clock.setTimeout(
      () => terminate(new SshTimeoutError(options.host, `command timed out after ${options.timeoutMs} ms; the remote process was terminated`)),
      options.timeoutMs,
    ));
  }
  const onAbort = (): void => terminate(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  // The exit status is taken from ssh2's 'close' arguments rather than an 'exit' listener: for a short command
  // the whole reply (exit-status, EOF, CLOSE) can arrive in the same read as the channel confirmation, before
  // any listener added here could see the 'exit' event.
  const exit = new Promise<ExitStatus>((resolve, reject) => {
    const stopWatchingConnection = connection.onClose((error) => {
      failure ??= error ?? new SshConnectError(options.host, 'connection closed');
    });
    channel.once('close', (code?: number | null, signalName?: string) => {
      for (const timer of timers) timer.cancel();
      options.signal?.removeEventListener('abort', onAbort);
      stopWatchingConnection();
      if (code !== undefined) status = code === null ? { code: null, signal: signalName ?? 'unknown' } : { code };
      if (failure) reject(failure);
      else if (status) resolve(status);
      else reject(new SshConnectError(options.host, 'the channel closed without an exit status'));
    });
  });
  exit.catch(() => undefined);

  return { stdin: channel, stdout: channel, stderr: channel.stderr, exit };
}
