/**
 * [REQ-02] One authenticated ssh2 connection to one host, with ssh2's callback API wrapped in promises here and
 * nowhere else. Opening it enforces the security defaults (REQ-05): the pinned host key is checked during key
 * exchange, before any authentication is attempted; only allowlisted algorithms are offered; key-only auth.
 */
import ssh2, { type Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import type { SshConfig } from '../config/types.js';
import { HostKeyMismatchError, SshAlgorithmError, SshAuthError, SshConnectError } from '../errors/ssh-errors.js';
import { fingerprintOf, isPinned } from '../security/host-key-policy.js';
import { toSsh2Algorithms, type NegotiatedAlgorithms } from './algorithms.js';
import { CoalescingSocket } from './coalescing-socket.js';
import type { SshTarget } from './ssh-target.js';

interface Ssh2Negotiated {
  kex: string;
  serverHostKey: string;
  cs: { cipher: string };
  sc: { cipher: string };
}

export class SshConnection {
  private closedError: Error | undefined;
  private isClosed = false;
  private readonly closeListeners = new Set<(error?: Error) => void>();

  private constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    readonly negotiated: NegotiatedAlgorithms,
    readonly hostKeyFingerprint: string,
  ) {
    client.on('error', (error) => {
      this.closedError ??= new SshConnectError(target.host, `connection lost: ${error.message}`, { cause: error });
    });
    client.on('close', () => {
      this.isClosed = true;
      const error = this.closedError ?? new SshConnectError(target.host, 'connection closed');
      this.closedError = error;
      for (const listener of this.closeListeners) listener(error);
    });
  }

  static async open(target: SshTarget, config: SshConfig, signal?: AbortSignal): Promise<SshConnection> {
    signal?.throwIfAborted();
    const pins = target.hostKeys;
    const parsed = ssh2.utils.parseKey(target.privateKey, target.passphrase);
    if (parsed instanceof Error) {
      throw new SshAuthError(target.host, `cannot read the private key: ${parsed.message}`);
    }
    const client = new ssh2.Client();
    let presented: string | undefined;
    let rejectedKey = false;
    let negotiated: Ssh2Negotiated | undefined;
    client.on('handshake', (n: Ssh2Negotiated) => {
      negotiated = n;
    });

    return new Promise<SshConnection>((resolve, reject) => {
      const onAbort = (): void => {
        client.end();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => signal?.removeEventListener('abort', onAbort);

      client.once('ready', () => {
        settle();
        client.removeAllListeners('error');
        const algorithms = {
          kex: negotiated?.kex ?? 'unknown',
          serverHostKey: negotiated?.serverHostKey ?? 'unknown',
          cipher: negotiated?.cs.cipher ?? 'unknown',
        };
        const allowed: readonly string[] = config.algorithms.ciphers;
        if (!allowed.includes(algorithms.cipher) || !allowed.includes(negotiated?.sc.cipher ?? '')) {
          client.end();
          reject(new SshAlgorithmError(target.host, `negotiated cipher ${algorithms.cipher} is not allowed`));
          return;
        }
        if (presented === undefined) {
          // ssh2 verifies the host key before 'ready'; a connection without one is never trusted or reported
          client.end();
          reject(new SshConnectError(target.host, 'the handshake completed without a verified host key'));
          return;
        }
        resolve(new SshConnection(target, client, algorithms, presented));
      });
      let failed = false;
      client.on('error', (error: Error & { level?: string }) => {
        // After a failed handshake the socket may still report a reset: only the first error counts.
        if (failed) return;
        failed = true;
        settle();
        client.end();
        reject(classifyConnectError(target, error, rejectedKey ? presented : undefined));
      });
      client.connect({
        sock: new CoalescingSocket().connectTo(target.port, target.address),
        username: target.user,
        privateKey: target.privateKey,
        passphrase: target.passphrase,
        tryKeyboard: false,
        agent: undefined,
        readyTimeout: config.connectTimeoutMs,
        keepaliveInterval: config.keepalive.intervalMs,
        keepaliveCountMax: config.keepalive.countMax,
        algorithms: toSsh2Algorithms(config.algorithms),
        hostVerifier: (key: Buffer) => {
          presented = fingerprintOf(key);
          rejectedKey = !isPinned(pins, key);
          return !rejectedKey;
        },
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Called once when the connection goes away, with the reason. */
  onClose(listener: (error?: Error) => void): () => void {
    if (this.isClosed) {
      listener(this.closedError);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Opens a session channel running `command` (already quoted; see shell-quote.ts). */
  async openExecChannel(command: string): Promise<ClientChannel> {
    if (this.isClosed) throw this.closedError ?? new SshConnectError(this.target.host, 'connection closed');
    return new Promise((resolve, reject) => {
      try {
        this.client.exec(command, (error, channel) => {
          if (error) reject(new SshConnectError(this.target.host, `cannot open a channel: ${error.message}`, { cause: error }));
          else resolve(channel);
        });
      } catch (error) {
        reject(new SshConnectError(this.target.host, 'cannot open a channel', { cause: error }));
      }
    });
  }

  async openSftp(): Promise<SFTPWrapper> {
    if (this.isClosed) throw this.closedError ?? new SshConnectError(this.target.host, 'connection closed');
    return new Promise((resolve, reject) => {
      this.client.sftp((error, sftp) => {
        if (error) reject(new SshConnectError(this.target.host, `cannot start sftp: ${error.message}`, { cause: error }));
        else resolve(sftp);
      });
    });
  }

  close(): void {
    this.client.end();
  }
}

function classifyConnectError(target: SshTarget, error: Error & { level?: string }, rejectedFingerprint?: string): Error {
  const { host } = target;
  if (rejectedFingerprint !== undefined) return new HostKeyMismatchError(host, rejectedFingerprint, { cause: error });
  if (error.level === 'client-authentication') {
    const account = `${target.user}@${target.address}:${target.port}`;
    return new SshAuthError(host, `${account} refused our key (publickey authentication failed): check spec.user and the authorized keys of ${target.user}`, { cause: error });
  }
  if (/no matching/i.test(error.message)) {
    return new SshAlgorithmError(host, `the server offers no allowed algorithm: ${error.message}`, { cause: error });
  }
  return new SshConnectError(host, error.message, { cause: error });
}
