/**
 * [REQ-05] Translates the allowlists of ssh_config.yaml into ssh2's `algorithms` option. ssh2 uses exactly the
 * lists it is given, so a server that offers none of them fails the handshake ("no matching ..."), which
 * ssh-connection.ts turns into an SshAlgorithmError naming both sides: what the server offered (read from its
 * KEXINIT as ssh2 reports it through its `debug` hook) and our allowlist with the config key to change. AEAD
 * ciphers carry their own integrity, so no MAC is negotiated for them; the hmac list only matters if a
 * non-AEAD cipher were ever allowed.
 */
import type { Algorithms } from 'ssh2';
import type { SshConfig } from '../config/types.js';
import { SshAlgorithmError } from '../errors/ssh-errors.js';

export function toSsh2Algorithms(allow: SshConfig['algorithms']): Algorithms {
  return {
    cipher: allow.ciphers as Algorithms['cipher'],
    kex: allow.kex as Algorithms['kex'],
    serverHostKey: allow.serverHostKey as Algorithms['serverHostKey'],
    hmac: allow.hmac as Algorithms['hmac'],
    compress: ['none'],
  };
}

/** Negotiated algorithms as reported by ssh2's 'handshake' event. */
export interface NegotiatedAlgorithms {
  kex: string;
  serverHostKey: string;
  cipher: string;
}

/** One negotiated list: its name in messages, its ssh2 handshake label and its ssh_config.yaml key. */
interface AlgorithmList {
  what: string;
  remote: RegExp;
  failure: RegExp;
  configKey: keyof SshConfig['algorithms'] | undefined;
}

const LISTS: readonly AlgorithmList[] = [
  { what: 'key exchange algorithm', remote: /^Handshake: \(remote\) KEX method: (.*)$/, failure: /no matching key exchange/i, configKey: 'kex' },
  { what: 'host-key algorithm', remote: /^Handshake: \(remote\) Host key format: (.*)$/, failure: /no matching host key/i, configKey: 'serverHostKey' },
  { what: 'client-to-server cipher', remote: /^Handshake: \(remote\) C->S cipher: (.*)$/, failure: /no matching C->S cipher/i, configKey: 'ciphers' },
  { what: 'server-to-client cipher', remote: /^Handshake: \(remote\) S->C cipher: (.*)$/, failure: /no matching S->C cipher/i, configKey: 'ciphers' },
  { what: 'client-to-server MAC', remote: /^Handshake: \(remote\) C->S MAC: (.*)$/, failure: /no matching C->S MAC/i, configKey: 'hmac' },
  { what: 'server-to-client MAC', remote: /^Handshake: \(remote\) S->C MAC: (.*)$/, failure: /no matching S->C MAC/i, configKey: 'hmac' },
  { what: 'client-to-server compression', remote: /^Handshake: \(remote\) C->S compression: (.*)$/, failure: /no matching C->S compression/i, configKey: undefined },
  { what: 'server-to-client compression', remote: /^Handshake: \(remote\) S->C compression: (.*)$/, failure: /no matching S->C compression/i, configKey: undefined },
];

/**
 * Collects the server's algorithm lists from ssh2's debug lines during one handshake. `debug` is ssh2's
 * `debug` option; `stop()` makes it ignore everything after the handshake.
 */
export class ServerOffer {
  private readonly offered = new Map<string, string[]>();
  private listening = true;

  readonly debug = (line: string): void => {
    if (!this.listening || !line.startsWith('Handshake: (remote)')) return;
    for (const list of LISTS) {
      const match = list.remote.exec(line);
      if (match) this.offered.set(list.what, (match[1] ?? '').split(',').filter((name) => name !== ''));
    }
  };

  stop(): void {
    this.listening = false;
  }

  /** The SshAlgorithmError for ssh2's "no matching ..." handshake failure, or undefined for any other error. */
  noMatchError(host: string, error: Error, allow: SshConfig['algorithms']): SshAlgorithmError | undefined {
    const list = LISTS.find((candidate) => candidate.failure.test(error.message));
    if (list === undefined) {
      if (!/no matching/i.test(error.message)) return undefined;
      return new SshAlgorithmError(host, `the server offers no allowed algorithm: ${error.message}`, { cause: error });
    }
    const allowlist = list.configKey === undefined ? ['none'] : [...allow[list.configKey]];
    return new SshAlgorithmError(host, { what: list.what, serverOffer: this.offered.get(list.what) ?? [], allowlist, configKey: list.configKey }, { cause: error });
  }
}
