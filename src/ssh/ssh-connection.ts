/**
 * [REQ-02] One authenticated ssh2 connection to one host, with ssh2's callback API wrapped in promises here and
 * nowhere else. Opening it enforces the security defaults (REQ-05): the pinned host key is checked during key
 * exchange, before any authentication is attempted; only allowlisted algorithms are offered; key-only auth.
 * The private key is read (PKCS#8 converted, see private-key.ts) before the socket is opened, so an unusable key
 * fails with SshCredentialsError without contacting the host. A channel the server refuses to open (sshd's
 * MaxSessions) is an SshChannelRefusedError, which channel-opener.ts retries.
 */
import ssh2, { type Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import type { SshConfig } from '../config/types.js';
import { HostKeyMismatchError, SshAlgorithmError, SshAuthError, SshChannelRefusedError, SshConnectError } from '../errors/ssh-errors.js';
import { fingerprintOf, isPinned } from '../security/host-key-policy.js';
import { ServerOffer, toSsh2Algorithms, type NegotiatedAlgorithms } from './algorithms.js';
import { CoalescingSocket } from './coalescing-socket.js';
import { usablePrivateKey } from './private-key.js';
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
    const usableKey = usablePrivateKey(target);
    const client = new ssh2.Client();
    const offer = new ServerOffer();
    let presented: string | undefined;
    let rejectedKey = false;
    let negotiated: Ssh2Negotiated | undefined;
    client.on('handshake', (n: Ssh2Negotiated) => {
      negotiated = n;
      offer.stop();
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
        offer.stop();
        if (rejectedKey && presented !== undefined) reject(new HostKeyMismatchError(target.host, presented, { cause: error }));
        else reject(offer.noMatchError(target.host, error, config.algorithms) ?? classifyConnectError(target, error));
      });
      client.connect({
        sock: new CoalescingSocket().connectTo(target.port, target.address),
        username: target.user,
        ...usableKey,
        tryKeyboard: false,
        agent: undefined,
        readyTimeout: config.connectTimeoutMs,
        keepaliveInterval: config.keepalive.intervalMs,
        keepaliveCountMax: config.keepalive.countMax,
        algorithms: toSsh2Algorithms(config.algorithms),
        debug: offer.debug,
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
          if (error) reject(channelOpenError(this.target.host, error));
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
        if (error) reject(channelOpenError(this.target.host, error, 'cannot start sftp'));
        else resolve(sftp);
      });
    });
  }

  close(): void {
    this.client.end();
  }
}

function classifyConnectError(target: SshTarget, error: Error & { level?: string }): Error {
  const { host } = target;
  if (error.level === 'client-authentication') {
    const account = `${target.user}@${target.address}:${target.port}`;
    return new SshAuthError(host, `${account} refused our key (publickey authentication failed): check spec.user and the authorized keys of ${target.user}`, { cause: error });
  }
  return new SshConnectError(host, error.message, { cause: error });
}

/**
 * ssh2 reports SSH_MSG_CHANNEL_OPEN_FAILURE with the numeric reason code of RFC 4254 (sshd past MaxSessions
 * answers 2, "open failed"); any other error (connection gone, request refused) has none.
 */
function channelOpenError(host: string, error: Error & { reason?: unknown }, what = 'cannot open a channel'): Error {
  if (typeof error.reason === 'number') return new SshChannelRefusedError(host, `the server refused to open a channel: ${error.message}`, { cause: error });
  return new SshConnectError(host, `${what}: ${error.message}`, { cause: error });
}
